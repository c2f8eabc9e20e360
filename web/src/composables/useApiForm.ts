/** Submitting a form to the API: client-side validation first (Element Plus rules), then the
 * server's field errors (problem+json ``errors``) shown under the fields they name. */
import { reactive, ref, type Ref } from 'vue'
import type { FormInstance } from 'element-plus'
import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/errors'

export function useApiForm(formRef: Ref<FormInstance | undefined>) {
  const fieldErrors = reactive<Record<string, string>>({})
  const formError = ref('')
  const submitting = ref(false)

  function clearErrors(): void {
    for (const k of Object.keys(fieldErrors)) delete fieldErrors[k]
    formError.value = ''
  }

  /** Validates, runs ``action``; returns its result, or undefined when validation or the API
   * refused (the messages are then on the form). */
  async function submit<T>(action: () => Promise<T>, successMessage?: string): Promise<T | undefined> {
    clearErrors()
    if (formRef.value) {
      const ok = await formRef.value.validate().then(() => true, () => false)
      if (!ok) return undefined
    }
    submitting.value = true
    try {
      const result = await action()
      if (successMessage) ElMessage.success(successMessage)
      return result
    } catch (e) {
      if (e instanceof ApiError) {
        Object.assign(fieldErrors, e.byField())
        formError.value = e.message
      } else {
        formError.value = String(e)
      }
      return undefined
    } finally {
      submitting.value = false
    }
  }

  return { fieldErrors, formError, submitting, submit, clearErrors }
}
