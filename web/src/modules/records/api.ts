/** Record retrieval (调阅) and the resident self-view, typed from the generated OpenAPI schema.
 * Identifier numbers go in request bodies only (lookup is a POST), never in URLs. */
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'

export type TimelinePage = components['schemas']['TimelinePage']
export type TimelineEntry = components['schemas']['TimelineEntry']
export type AccessInfo = components['schemas']['AccessInfo']
export type LabTrend = components['schemas']['LabTrend']
export type TrendPoint = components['schemas']['TrendPoint']
export type DocumentRead = components['schemas']['DocumentRead']
export type BreakGlass = components['schemas']['BreakGlassRead']
export type AccessLogPage = components['schemas']['AccessLogPage']
export type AccessLogEntry = components['schemas']['AccessLogEntry']
export type PrivacySettings = components['schemas']['PrivacySettings']
export type LookupResult = components['schemas']['LookupResult']
export type PersonLookup = components['schemas']['PersonLookup']
export type Purpose = components['schemas']['BreakGlassCreate']['purpose']
export type EntryKind = TimelineEntry['kind']

export const PURPOSES: Purpose[] = ['treatment', 'emergency', 'referral', 'public_health', 'quality_control']
export const KINDS: EntryKind[] = ['encounter', 'diagnosis', 'medication', 'lab', 'exam', 'document', 'immunization']
/** The server's answer when the user has no ground to read the record (a reason opens it). */
export const NO_ACCESS = 'records.no_access'

export interface TimelineFilters {
  from?: string
  to?: string
  institutionId?: string
  kinds?: EntryKind[]
  cursor?: string
  limit?: number
}

const timelineQuery = (f: TimelineFilters) => ({
  from: f.from || undefined,
  to: f.to || undefined,
  institutionId: f.institutionId || undefined,
  kinds: f.kinds?.length ? f.kinds.join(',') : undefined,
  cursor: f.cursor || undefined,
  limit: f.limit,
})

export const recordsApi = {
  lookup: (body: PersonLookup) => unwrap(api.POST('/api/v1/records/persons/lookup', { body })),
  timeline: (personId: string, purpose: Purpose, f: TimelineFilters) =>
    unwrap(
      api.GET('/api/v1/records/persons/{person_id}/timeline', {
        params: { path: { person_id: personId }, query: { ...timelineQuery(f), purpose } },
      }),
    ),
  labTrend: (personId: string, itemCode: string, purpose: Purpose) =>
    unwrap(
      api.GET('/api/v1/records/persons/{person_id}/labs/{item_code}/trend', {
        params: { path: { person_id: personId, item_code: itemCode }, query: { purpose } },
      }),
    ),
  document: (personId: string, documentId: string, purpose: Purpose) =>
    unwrap(
      api.GET('/api/v1/records/persons/{person_id}/documents/{document_id}', {
        params: { path: { person_id: personId, document_id: documentId }, query: { purpose } },
      }),
    ),
  breakGlass: (personId: string, purpose: Purpose, reason: string) =>
    unwrap(api.POST('/api/v1/records/persons/{person_id}/break-glass', { params: { path: { person_id: personId } }, body: { purpose, reason } })),
  breakGlassList: (q: ListQuery) => unwrap(api.GET('/api/v1/records/break-glass', { params: { query: q } })),
  review: (id: string, decision: 'approve' | 'question', note: string | null) =>
    unwrap(api.POST('/api/v1/records/break-glass/{break_glass_id}/review', { params: { path: { break_glass_id: id } }, body: { decision, note } })),
}

/** The signed-in resident's own record (H5). */
export const myRecordsApi = {
  timeline: (f: TimelineFilters) => unwrap(api.GET('/api/v1/records/me/timeline', { params: { query: timelineQuery(f) } })),
  labTrend: (itemCode: string) => unwrap(api.GET('/api/v1/records/me/labs/{item_code}/trend', { params: { path: { item_code: itemCode } } })),
  document: (id: string) => unwrap(api.GET('/api/v1/records/me/documents/{document_id}', { params: { path: { document_id: id } } })),
  accessLog: (cursor?: string) => unwrap(api.GET('/api/v1/records/me/access-log', { params: { query: { cursor } } })),
  privacy: () => unwrap(api.GET('/api/v1/records/me/privacy')),
  setPrivacy: (hidden: string[]) => unwrap(api.PUT('/api/v1/records/me/privacy', { body: { hidden } })),
}
