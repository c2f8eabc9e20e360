/** Shared helpers of the registry pages: program definitions (cached per code and version),
 * resident and institution names for the ids the engine returns, and the server's field errors
 * of a program form. */
import { reactive } from 'vue'
import { api, unwrap } from '@/api/client'
import { translate } from '@/i18n'
import { ApiError, type FieldError } from '@/api/errors'
import { programForm, type ConvertOptions, type FieldSchema, type Section } from '@/components/form/schema'
import { patientsApi, type Person } from '@/modules/patients/api'
import { definitionOf, programsApi, type ProgramDefinition } from './api'

const definitions = new Map<string, Promise<ProgramDefinition>>()

/** A program's definition (the current one, or the version a record was captured with). */
export function loadDefinition(code: string, version?: number): Promise<ProgramDefinition> {
  const key = `${code}@${version ?? 'current'}`
  let p = definitions.get(key)
  if (!p) {
    p = programsApi.get(code, version).then(definitionOf)
    p.catch(() => definitions.delete(key))
    definitions.set(key, p)
  }
  return p
}

/** The fields of a form of the program: "enrolment" or a stage code. */
export function formOf(def: ProgramDefinition, form: string, opts: ConvertOptions = {}): { fields: FieldSchema[]; sections: Section[] } {
  const f = form === 'enrolment' ? def.enrolment : def.stages.find((s) => s.code === form)
  return programForm(f ?? { elements: [] }, def.optionSets, opts)
}

export const stateName = (def: ProgramDefinition | null, code: string): string => def?.workflow.states.find((s) => s.code === code)?.name ?? code
export const stageName = (def: ProgramDefinition | null, code: string): string => def?.stages.find((s) => s.code === code)?.name ?? code

/** The transitions open from the enrolment's state (the server checks the roles). */
export function allowedTransitions(def: ProgramDefinition | null, state: string) {
  return (def?.workflow.transitions ?? []).filter((tr) => tr.from.includes(state))
}

/** Split a 422's field errors: ``values.<element>`` go under that element (element codes are
 * kept as they are, not camel-cased); the others are keyed by their own name. */
export function splitFieldErrors(errors: FieldError[]): { values: Record<string, string>; other: Record<string, string> } {
  const values: Record<string, string> = {}
  const other: Record<string, string> = {}
  for (const e of errors) {
    if (e.field.startsWith('values.')) values[e.field.slice('values.'.length)] ??= e.message
    else other[e.field] ??= e.message
  }
  return { values, other }
}

export function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e)
}

// Names of residents and institutions for the ids on the page: one read per id, kept for the
// session of the page (a resident's read is audited by the patient index).
const persons = reactive(new Map<string, Person | null>())
const institutions = reactive(new Map<string, string>())

export function usePersonNames() {
  function load(ids: string[]): void {
    for (const id of new Set(ids)) {
      if (persons.has(id)) continue
      persons.set(id, null)
      patientsApi.get(id).then(
        (p) => persons.set(id, p),
        () => persons.delete(id),
      )
    }
  }
  const person = (id: string): Person | null => persons.get(id) ?? null
  const name = (id: string): string => persons.get(id)?.name ?? ''
  return { load, person, name }
}

export function useInstitutionNames() {
  // Names come from the city's institution directory (public facts, any district: a transfer
  // names a community outside the user's data scope), up to 100 ids per request.
  function load(ids: (string | null | undefined)[]): void {
    const missing = [...new Set(ids)].filter((id): id is string => !!id && !institutions.has(id))
    for (const id of missing) institutions.set(id, '')
    for (let i = 0; i < missing.length; i += 100) {
      const chunk = missing.slice(i, i + 100)
      unwrap(api.GET('/api/v1/orgs/directory', { params: { query: { ids: chunk.join(','), pageSize: 100 } } })).then(
        (page) => {
          for (const inst of page.items) institutions.set(inst.id, inst.name)
          for (const id of chunk) if (!institutions.get(id)) institutions.set(id, translate('registries.otherInstitution'))
        },
        () => chunk.forEach((id) => institutions.set(id, translate('registries.otherInstitution'))),
      )
    }
  }
  const name = (id: string | null | undefined): string => (id ? institutions.get(id) || id : '')
  return { load, name }
}

/** Today in Shanghai as YYYY-MM-DD (the dates of the registries are local dates). */
export function todayLocal(now: Date = new Date()): string {
  return now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })
}

// Names of codes (ICD-10 …) shown in read-only values: one read per code, kept for the session.
const codeNames = reactive(new Map<string, string>())

export function useCodeNames() {
  function load(system: string, codes: string[]): void {
    for (const code of new Set(codes)) {
      const key = `${system}|${code}`
      if (!code || codeNames.has(key)) continue
      codeNames.set(key, '')
      unwrap(api.GET('/api/v1/codes/systems/{system}/concepts/{code}', { params: { path: { system, code }, query: {} } })).then(
        (c) => codeNames.set(key, c.displayZh),
        () => undefined,
      )
    }
  }
  const name = (system: string, code: string): string => codeNames.get(`${system}|${code}`) ?? ''
  return { load, name }
}
