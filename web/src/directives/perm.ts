/** v-perm="'auth:user:write'": removes the element when the user lacks the permission (the
 * server enforces it anyway; this keeps buttons the user cannot use out of sight). */
import type { Directive } from 'vue'
import { useAuthStore } from '@/stores/auth'

export const vPerm: Directive<HTMLElement, string | string[]> = {
  mounted(el, binding) {
    const auth = useAuthStore()
    const needed = Array.isArray(binding.value) ? binding.value : [binding.value]
    if (!needed.some((p) => auth.can(p))) el.remove()
  },
}
