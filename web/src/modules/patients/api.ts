/** The patient index's calls, typed from the generated OpenAPI schema. Identifier numbers go in
 * request bodies only (search is a POST), never in URLs. */
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'

export type Person = components['schemas']['PersonRead']
export type PersonCreate = components['schemas']['PersonCreate']
export type PersonUpdate = components['schemas']['PersonUpdate']
export type PersonSearch = components['schemas']['PersonSearch']
export type Identifier = components['schemas']['IdentifierRead']
export type IdentifierIn = components['schemas']['IdentifierIn']
export type IdentifierType = components['schemas']['IdentifierType']
export type Candidate = components['schemas']['CandidateRead']
export type LinkEvent = components['schemas']['LinkEventRead']
export type FamilyDoctor = components['schemas']['FamilyDoctorRead']
export type SexCode = NonNullable<PersonCreate['sexCode']>

export const IDENTIFIER_TYPES: IdentifierType[] = [
  'resident_id_card', 'medical_insurance_card', 'social_security_card', 'shanghai_self_pay_card', 'hospital_card', 'passport',
  'hk_macau_permit', 'taiwan_permit', 'hmt_residence_permit', 'foreigner_permanent_residence',
]
/** GB/T 2261.1-2003. */
export const SEX_CODES: SexCode[] = ['1', '2', '0', '9']
/** Types whose number needs its issuer (identifiers.py: ISSUER_COUNTRY_REQUIRED / ISSUER_INSTITUTION_REQUIRED). */
export const needsCountry = (type: IdentifierType | '') => type === 'passport'
export const needsInstitution = (type: IdentifierType | '') => type === 'hospital_card'

const person = (id: string) => ({ params: { path: { person_id: id } } })

export const patientsApi = {
  search: (body: PersonSearch) => unwrap(api.POST('/api/v1/patients/persons/search', { body })),
  register: (body: PersonCreate) => unwrap(api.POST('/api/v1/patients/persons', { body })),
  get: (id: string) => unwrap(api.GET('/api/v1/patients/persons/{person_id}', person(id))),
  update: (id: string, body: PersonUpdate) => unwrap(api.PATCH('/api/v1/patients/persons/{person_id}', { ...person(id), body })),
  history: (id: string) => unwrap(api.GET('/api/v1/patients/persons/{person_id}/history', person(id))),
  addIdentifier: (id: string, body: IdentifierIn) => unwrap(api.POST('/api/v1/patients/persons/{person_id}/identifiers', { ...person(id), body })),
  unlinkIdentifier: (id: string, identifierId: string, reason: string) =>
    unwrap(
      api.POST('/api/v1/patients/persons/{person_id}/identifiers/{identifier_id}/unlink', {
        params: { path: { person_id: id, identifier_id: identifierId } },
        body: { reason },
      }),
    ),
  /** Active staff who may be set as a resident's family doctor (the user's data scope). */
  familyDoctors: (q?: string) => unwrap(api.GET('/api/v1/patients/family-doctors', { params: { query: { q } } })),
  candidates: (q: ListQuery) => unwrap(api.GET('/api/v1/patients/candidates', { params: { query: q } })),
  dismiss: (id: string, note: string | null) =>
    unwrap(api.POST('/api/v1/patients/candidates/{candidate_id}/dismiss', { params: { path: { candidate_id: id } }, body: { note } })),
  merge: (survivorId: string, mergedId: string, reason: string) => unwrap(api.POST('/api/v1/patients/merges', { body: { survivorId, mergedId, reason } })),
  unmerge: (eventId: string, reason: string) =>
    unwrap(api.POST('/api/v1/patients/merges/{event_id}/unmerge', { params: { path: { event_id: eventId } }, body: { reason } })),
  /** GB/T 3304 ethnic groups from the code systems ([] when the user may not read them). */
  ethnicities: async () =>
    (
      await unwrap(
        api.GET('/api/v1/codes/systems/{system}/concepts', { params: { path: { system: 'gb3304-ethnicity' }, query: { pageSize: 100 } } }),
      )
    ).items,
}
