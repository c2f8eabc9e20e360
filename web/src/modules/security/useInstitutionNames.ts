/** Institution names for the ids the security APIs return. Only holders of
 * orgs:institution:read can look institutions up; others see the id (the security and audit
 * administrators of 三员分立 do not hold it). */
import { reactive } from 'vue'
import { useAuthStore } from '@/stores/auth'
import { orgsApi } from './api'

const names = reactive(new Map<string, string>())
const pending = new Set<string>()

export function useInstitutionNames() {
  const auth = useAuthStore()
  const canLookUp = auth.can('orgs:institution:read')

  function name(id: string | null | undefined): string {
    if (!id) return ''
    const known = names.get(id)
    if (known !== undefined) return known
    if (canLookUp && !pending.has(id)) {
      pending.add(id)
      orgsApi
        .institution(id)
        .then((i) => names.set(id, i.name))
        .catch(() => names.set(id, id))
        .finally(() => pending.delete(id))
    }
    return id
  }

  return { name }
}
