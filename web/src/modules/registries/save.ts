/** Saving a program form: the browser checks types and ranges, the server runs the program's
 * rules and decides. Its 422 field errors (``values.<element>``) go under the fields; after a
 * save its warnings, the events it scheduled and the fields its rules hid are told to the user. */
import { h, reactive, ref } from 'vue'
import { ElMessage, ElMessageBox } from 'element-plus'
import { ApiError } from '@/api/errors'
import type { FieldSchema } from '@/components/form/schema'
import type { SaveResult } from './api'
import { splitFieldErrors } from './useRegistry'

const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)

type T = (key: string, params?: Record<string, unknown>) => string

export interface Validatable {
  validate: () => Promise<boolean>
}

export function useProgramSave() {
  const valueErrors = reactive<Record<string, string>>({})
  const otherErrors = reactive<Record<string, string>>({})
  const formError = ref('')
  /** HTTP status of the last refusal (409: already enrolled …), 0 when none. */
  const status = ref(0)
  const saving = ref(false)

  function clear(): void {
    for (const k of Object.keys(valueErrors)) delete valueErrors[k]
    for (const k of Object.keys(otherErrors)) delete otherErrors[k]
    formError.value = ''
    status.value = 0
  }

  async function save<R>(forms: (Validatable | undefined)[], action: () => Promise<R>): Promise<R | undefined> {
    clear()
    for (const f of forms) if (f && !(await f.validate())) return undefined
    saving.value = true
    try {
      return await action()
    } catch (e) {
      if (e instanceof ApiError) {
        status.value = e.status
        const split = splitFieldErrors(e.fieldErrors)
        Object.assign(valueErrors, split.values)
        Object.assign(otherErrors, split.other)
        formError.value = e.message
      } else {
        formError.value = String(e)
      }
      return undefined
    } finally {
      saving.value = false
    }
  }

  return { valueErrors, otherErrors, formError, status, saving, save, clear }
}

/** The lines telling what a save did besides storing (empty: nothing to tell). Fields the rules
 * hid are told only when the user had filled them in (their value was dropped). */
export function saveNotes(result: SaveResult, fields: FieldSchema[], stageName: (code: string) => string, t: T, sent: Record<string, unknown> = {}): string[] {
  // Rule messages name their field as the API's field paths do: ``values.<element>``.
  const label = (field: string | null | undefined) => {
    const code = field?.replace(/^values\./, '') ?? ''
    return fields.find((f) => f.key === code)?.label ?? code
  }
  const lines: string[] = []
  if (result.duplicateOfId) lines.push(t('registries.save.duplicate'))
  for (const w of (result.warnings ?? [])) lines.push(w.field ? `${label(w.field)}：${w.message}` : w.message)
  const dropped = (result.hidden ?? []).filter((k) => !isEmpty(sent[k]))
  if (dropped.length) lines.push(t('registries.save.hidden', { fields: dropped.map(label).join('、') }))
  for (const s of result.scheduled ?? []) lines.push(t('registries.save.scheduled', { stage: stageName(s.stage), date: s.dueOn }))
  if (result.notified) lines.push(t('registries.save.notified', { n: result.notified }))
  return lines
}

/** Success message; the rules' warnings need to be read, so they come in a box to acknowledge. */
export async function announce(result: SaveResult, fields: FieldSchema[], stageName: (code: string) => string, t: T, sent: Record<string, unknown> = {}): Promise<void> {
  const lines = saveNotes(result, fields, stageName, t, sent)
  if (!result.warnings?.length && !result.duplicateOfId) {
    ElMessage.success([t('common.saved'), ...lines].join('；'))
    return
  }
  await ElMessageBox.alert(h('ul', { class: 'save-notes' }, lines.map((l) => h('li', l))), t('registries.save.warnings'), { type: 'warning', customClass: 'registry-save-notes' }).catch(() => undefined)
}
