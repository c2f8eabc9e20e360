/** The security-administration module's calls (login log, sessions, audit, certificates, OIDC
 * clients), typed from the generated OpenAPI schema. */
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'
import { filenameFromDisposition } from './utils'

type S = components['schemas']
export type LoginLog = S['LoginLogRead']
export type OnlineSession = S['SessionRead']
export type AuditRecord = S['AuditRecordRead']
export type ChainStatus = S['ChainStatusRead']
export type Verification = S['VerificationRead']
export type Checkpoint = S['CheckpointRead']
export type SigningKey = S['SigningKeyRead']
export type Certificate = S['CertificateRead']
export type IssuedCertificate = S['IssuedCertificateRead']
export type CertificateIssue = S['CertificateIssue']
export type CertificateRenew = S['CertificateRenew']
export type RevocationReason = S['CertificateRevoke']['reason']
export type CertificateStats = S['CertificateStats']
export type Client = S['ClientRead']
export type ClientCreate = S['ClientCreate']
export type ClientCreated = S['ClientCreated']
export type SecretRotated = S['SecretRotated']
export type Scope = S['ScopeRead']
export type District = S['DistrictRead']

/** One problem a chain verification found (healthnet/core/audit/verify.py Problem.as_dict). */
export interface ChainProblem {
  kind: string
  seq: number | null
  last: number | null
  checkpointId: string | null
  message: string
}

export const loginLogApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/auth/login-log', { params: { query: q } })),
}

export const sessionsApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/auth/sessions', { params: { query: q } })),
  forceLogout: (id: string) => unwrap(api.DELETE('/api/v1/auth/sessions/{session_id}', { params: { path: { session_id: id } } })),
}

export const auditApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/audit/records', { params: { query: q } })),
  get: (seq: number) => unwrap(api.GET('/api/v1/audit/records/{seq}', { params: { path: { seq } } })),
  /** The file the server renders (and audits) for these filters. */
  export: (q: Record<string, unknown>, format: 'xlsx' | 'csv') =>
    downloadOf(api.GET('/api/v1/audit/export', { params: { query: { ...q, format } }, parseAs: 'blob' }), `audit.${format}`),
  chain: () => unwrap(api.GET('/api/v1/audit/chain')),
  verify: () => unwrap(api.POST('/api/v1/audit/chain/verify')),
  checkpoints: (q: ListQuery) => unwrap(api.GET('/api/v1/audit/checkpoints', { params: { query: q } })),
  signingKeys: () => unwrap(api.GET('/api/v1/audit/signing-keys')),
}

export const CRL_URL = '/api/v1/certs/crl'

export const certsApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/certs/certificates', { params: { query: q } })),
  get: (id: string) => unwrap(api.GET('/api/v1/certs/certificates/{certificate_id}', { params: { path: { certificate_id: id } } })),
  issue: (body: CertificateIssue) => unwrap(api.POST('/api/v1/certs/certificates', { body })),
  renew: (id: string, body: CertificateRenew) =>
    unwrap(api.POST('/api/v1/certs/certificates/{certificate_id}/renew', { params: { path: { certificate_id: id } }, body })),
  revoke: (id: string, reason: RevocationReason) =>
    unwrap(api.POST('/api/v1/certs/certificates/{certificate_id}/revoke', { params: { path: { certificate_id: id } }, body: { reason } })),
  statistics: (groupBy: 'institution' | 'district') => unwrap(api.GET('/api/v1/certs/statistics', { params: { query: { groupBy } } })),
  ca: () => unwrap(api.GET('/api/v1/certs/ca')),
}

export const oidcApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/oidc/clients', { params: { query: q } })),
  scopes: () => unwrap(api.GET('/api/v1/oidc/scopes')),
  create: (body: ClientCreate) => unwrap(api.POST('/api/v1/oidc/clients', { body })),
  deactivate: (id: string) => unwrap(api.POST('/api/v1/oidc/clients/{client_pk}/deactivate', { params: { path: { client_pk: id } } })),
  rotateSecret: (id: string, graceHours: number) =>
    unwrap(api.POST('/api/v1/oidc/clients/{client_pk}/rotate-secret', { params: { path: { client_pk: id } }, body: { graceHours } })),
}

export const orgsApi = {
  districts: () => unwrap(api.GET('/api/v1/orgs/districts')),
  institution: (id: string) => unwrap(api.GET('/api/v1/orgs/institutions/{institution_id}', { params: { path: { institution_id: id } } })),
}

export const usersApi = {
  searchStaff: (q: string) =>
    unwrap(api.GET('/api/v1/auth/users', { params: { query: { q: q || undefined, kind: 'staff', isActive: true, pageSize: 30 } } })),
  get: (id: string) => unwrap(api.GET('/api/v1/auth/users/{user_id}', { params: { path: { user_id: id } } })),
}

/** A file answer (blob) with the name the server gave it; errors as unwrap throws them. */
async function downloadOf(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
  fallbackName: string,
): Promise<{ blob: Blob; filename: string }> {
  let disposition: string | null = null
  const blob = await unwrap(
    call.then((r) => {
      disposition = r.response.headers.get('Content-Disposition')
      return r
    }),
  )
  return { blob: blob as Blob, filename: filenameFromDisposition(disposition) ?? fallbackName }
}
