/** The unread count, shared by the top bar's bell and the inbox page. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { notifyApi } from './api'

export const useNotifyStore = defineStore('notify', () => {
  const unread = ref(0)

  async function refresh(): Promise<number> {
    unread.value = await notifyApi.unreadCount()
    return unread.value
  }

  function set(count: number): void {
    unread.value = count
  }

  return { unread, refresh, set }
})
