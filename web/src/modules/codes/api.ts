/** The code-systems module's calls (systems, versions, tree, search, import), typed from the
 * generated OpenAPI schema. */
import { api, unwrap } from '@/api/client'
import type { components, paths } from '@/api/schema'
import { fileBody } from '@/utils/upload'

export type CodeSystem = components['schemas']['CodeSystemRead']
export type Version = components['schemas']['VersionRead']
export type Concept = components['schemas']['ConceptRead']
export type ConceptDetail = components['schemas']['ConceptDetail']
export type ConceptSearch = NonNullable<paths['/api/v1/codes/systems/{system}/concepts']['get']['parameters']['query']>
export type ImportQuery = paths['/api/v1/codes/systems/{system}/versions']['post']['parameters']['query']
export type SystemKind = NonNullable<ImportQuery['kind']>

export const SYSTEM_KINDS: SystemKind[] = ['classification', 'value_set', 'local']
/** The system codes the API accepts (SYSTEM_CODE_PATTERN in healthnet/core/codes/schemas.py). */
export const SYSTEM_CODE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/

const sys = (system: string) => ({ params: { path: { system } } })

export const codesApi = {
  systems: async () => (await unwrap(api.GET('/api/v1/codes/systems'))).items,
  system: (system: string) => unwrap(api.GET('/api/v1/codes/systems/{system}', sys(system))),
  versions: (system: string) => unwrap(api.GET('/api/v1/codes/systems/{system}/versions', sys(system))),
  children: (system: string, parent: string | null, version?: string) =>
    unwrap(
      api.GET('/api/v1/codes/systems/{system}/children', {
        params: { path: { system }, query: { parent: parent ?? undefined, version: version || undefined } },
      }),
    ),
  search: (system: string, query: ConceptSearch) =>
    unwrap(api.GET('/api/v1/codes/systems/{system}/concepts', { params: { path: { system }, query } })),
  concept: (system: string, code: string, version?: string) =>
    unwrap(
      api.GET('/api/v1/codes/systems/{system}/concepts/{code}', {
        params: { path: { system, code }, query: { version: version || undefined } },
      }),
    ),
  importVersion: (system: string, query: ImportQuery, file: File) =>
    unwrap(api.POST('/api/v1/codes/systems/{system}/versions', { params: { path: { system }, query }, body: fileBody(file) })),
}
