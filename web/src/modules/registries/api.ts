/** The program engine's calls (/api/v1/programs), typed from the generated OpenAPI schema. The
 * program definition is free-form JSON in the schema; ``ProgramDefinition`` types the parts the
 * pages draw (docs/dev/program-yaml.md). */
import { api, unwrap } from '@/api/client'
import type { components, paths } from '@/api/schema'
import type { ProgramFormDef, ProgramOptionSet } from '@/components/form/schema'
import { filenameFromDisposition } from '@/modules/security/utils'

export type ProgramRead = components['schemas']['ProgramRead']
export type ProgramDetail = components['schemas']['ProgramDetail']
export type Enrolment = components['schemas']['EnrolmentRead']
export type EnrolmentDetail = components['schemas']['EnrolmentDetail']
export type EnrolmentCreate = components['schemas']['EnrolmentCreate']
export type ProgramEvent = components['schemas']['EventRead']
export type SaveResult = components['schemas']['SaveResult']
export type WorkItem = components['schemas']['WorkItem']
export type Transfer = components['schemas']['TransferRead']
export type EnrolmentSignature = components['schemas']['SignatureRead']
export type WorkListQuery = NonNullable<paths['/api/v1/programs/worklist']['get']['parameters']['query']>
export type EnrolmentQuery = NonNullable<paths['/api/v1/programs/{code}/enrolments']['get']['parameters']['query']>
export type TransferQuery = NonNullable<paths['/api/v1/programs/transfers']['get']['parameters']['query']>

export interface StageDef extends ProgramFormDef {
  code: string
  name: string
  repeatable?: boolean
  schedule?: { after?: string | null; days?: number | null; agesMonths?: number[] | null } | null
}

export interface StateDef {
  code: string
  name: string
  terminal?: boolean
}

export interface TransitionDef {
  code: string
  name: string
  from: string[]
  to: string
  roles: string[]
  noteRequired?: boolean
  /** The performer signs the record (SM2) on this transition. */
  sign?: boolean
}

export interface ProgramDefinition {
  code: string
  name: string
  kind: 'enrolment' | 'single_event'
  source?: string | null
  description?: string | null
  sensitivity?: string
  optionSets: ProgramOptionSet[]
  enrolment: ProgramFormDef
  stages: StageDef[]
  workflow: { initial: string; states: StateDef[]; transitions: TransitionDef[] }
}

export const definitionOf = (p: ProgramDetail): ProgramDefinition => p.definition as unknown as ProgramDefinition

const enrolmentPath = (id: string) => ({ path: { enrolment_id: id } })

export const programsApi = {
  list: () => unwrap(api.GET('/api/v1/programs')),
  get: (code: string, version?: number) => unwrap(api.GET('/api/v1/programs/{code}', { params: { path: { code }, query: { version } } })),
  enrolments: (code: string, query: EnrolmentQuery) =>
    unwrap(api.GET('/api/v1/programs/{code}/enrolments', { params: { path: { code }, query } })),
  enrol: (code: string, body: EnrolmentCreate) => unwrap(api.POST('/api/v1/programs/{code}/enrolments', { params: { path: { code } }, body })),
  enrolment: (id: string) => unwrap(api.GET('/api/v1/programs/enrolments/{enrolment_id}', { params: enrolmentPath(id) })),
  updateEnrolment: (id: string, values: Record<string, unknown>) =>
    unwrap(api.PATCH('/api/v1/programs/enrolments/{enrolment_id}', { params: enrolmentPath(id), body: { values } })),
  recordEvent: (id: string, stage: string, eventOn: string | null, values: Record<string, unknown>) =>
    unwrap(api.POST('/api/v1/programs/enrolments/{enrolment_id}/events', { params: enrolmentPath(id), body: { stage, eventOn, values } })),
  updateEvent: (eventId: string, eventOn: string | null, values: Record<string, unknown>) =>
    unwrap(api.PATCH('/api/v1/programs/events/{event_id}', { params: { path: { event_id: eventId } }, body: { eventOn, values } })),
  skipEvent: (eventId: string, reason: string) =>
    unwrap(api.POST('/api/v1/programs/events/{event_id}/skip', { params: { path: { event_id: eventId } }, body: { reason } })),
  /** The record's SM2 signature, verified by the server now. */
  signature: (id: string) => unwrap(api.GET('/api/v1/programs/enrolments/{enrolment_id}/signature', { params: enrolmentPath(id) })),
  transition: (id: string, transition: string, note: string | null) =>
    unwrap(api.POST('/api/v1/programs/enrolments/{enrolment_id}/transitions', { params: enrolmentPath(id), body: { transition, note } })),
  requestTransfer: (id: string, toOrgUnitId: string, reason: string | null) =>
    unwrap(api.POST('/api/v1/programs/enrolments/{enrolment_id}/transfers', { params: enrolmentPath(id), body: { toOrgUnitId, reason } })),
  transfers: (query: TransferQuery) => unwrap(api.GET('/api/v1/programs/transfers', { params: { query } })),
  acceptTransfer: (id: string, note: string | null) =>
    unwrap(api.POST('/api/v1/programs/transfers/{transfer_id}/accept', { params: { path: { transfer_id: id } }, body: { note } })),
  rejectTransfer: (id: string, note: string | null) =>
    unwrap(api.POST('/api/v1/programs/transfers/{transfer_id}/reject', { params: { path: { transfer_id: id } }, body: { note } })),
  worklist: (query: WorkListQuery) => unwrap(api.GET('/api/v1/programs/worklist', { params: { query } })),
}

// --------------------------------------------------------------------------- indicators
export type IndicatorDef = components['schemas']['IndicatorRead']
export type IndicatorList = components['schemas']['IndicatorListRead']
export type IndicatorValueRow = components['schemas']['IndicatorValueRow']
export type IndicatorValues = components['schemas']['IndicatorValuesRead']
export type IndicatorTrend = components['schemas']['IndicatorTrendRead']
export type IndicatorValuesQuery = NonNullable<paths['/api/v1/programs/{code}/indicators/values']['get']['parameters']['query']>
export type IndicatorTrendQuery = NonNullable<paths['/api/v1/programs/{code}/indicators/trend']['get']['parameters']['query']>

const inProgram = (code: string) => ({ path: { code } })

export const indicatorsApi = {
  /** The program's indicators (from its metadata) and when their tables were last refreshed. */
  list: (code: string) => unwrap(api.GET('/api/v1/programs/{code}/indicators', { params: inProgram(code) })),
  values: (code: string, query: IndicatorValuesQuery) =>
    unwrap(api.GET('/api/v1/programs/{code}/indicators/values', { params: { ...inProgram(code), query } })),
  trend: (code: string, query: IndicatorTrendQuery) =>
    unwrap(api.GET('/api/v1/programs/{code}/indicators/trend', { params: { ...inProgram(code), query } })),
  /** The workbook the server renders (and audits) for these values, with the name it gave it. */
  export: async (code: string, query: IndicatorValuesQuery): Promise<{ blob: Blob; filename: string }> => {
    let disposition: string | null = null
    const blob = await unwrap(
      api.GET('/api/v1/programs/{code}/indicators/export.xlsx', { params: { ...inProgram(code), query }, parseAs: 'blob' }).then((r) => {
        disposition = r.response.headers.get('Content-Disposition')
        return r
      }),
    )
    return { blob: blob as unknown as Blob, filename: filenameFromDisposition(disposition) ?? `indicators-${code}.xlsx` }
  },
  /** Queues the refresh job (202); the tables change when the worker has run it. */
  refresh: (code: string) => unwrap(api.POST('/api/v1/programs/{code}/indicators/refresh', { params: inProgram(code) })),
}
