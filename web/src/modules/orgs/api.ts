/** The organisations module's calls (districts, institutions, departments, import), typed from
 * the generated OpenAPI schema. */
import { api, unwrap } from '@/api/client'
import type { components, paths } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'
import { fileBody } from '@/utils/upload'

export type District = components['schemas']['DistrictRead']
export type Institution = components['schemas']['InstitutionRead']
export type InstitutionCreate = components['schemas']['InstitutionCreate']
export type InstitutionUpdate = components['schemas']['InstitutionUpdate']
export type InstitutionKind = components['schemas']['InstitutionKind']
export type InstitutionLevel = components['schemas']['InstitutionLevel']
export type Department = components['schemas']['DepartmentRead']
export type DepartmentCreate = components['schemas']['DepartmentCreate']
export type DepartmentUpdate = components['schemas']['DepartmentUpdate']

type InstitutionQuery = NonNullable<paths['/api/v1/orgs/institutions']['get']['parameters']['query']>
export type InstitutionSort = InstitutionQuery['sort']

export const INSTITUTION_KINDS: InstitutionKind[] = [
  'tertiary_hospital', 'secondary_hospital', 'primary_hospital', 'specialist_hospital', 'community_health_centre', 'cdc',
  'maternal_child_health', 'vaccination_clinic', 'laboratory', 'eye_oral_prevention', 'other',
]
export const INSTITUTION_LEVELS: InstitutionLevel[] = ['3A', '3B', '3C', '3', '2A', '2B', '2C', '2', '1', 'ungraded']

const inst = (id: string) => ({ params: { path: { institution_id: id } } })

export const orgsApi = {
  districts: () => unwrap(api.GET('/api/v1/orgs/districts')),
  // The columns offered for server sorting are the API's sort keys (InstitutionSort).
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/orgs/institutions', { params: { query: { ...q, sort: q.sort as InstitutionSort } } })),
  get: (id: string) => unwrap(api.GET('/api/v1/orgs/institutions/{institution_id}', inst(id))),
  create: (body: InstitutionCreate) => unwrap(api.POST('/api/v1/orgs/institutions', { body })),
  update: (id: string, body: InstitutionUpdate) => unwrap(api.PATCH('/api/v1/orgs/institutions/{institution_id}', { ...inst(id), body })),
  deactivate: (id: string) => unwrap(api.POST('/api/v1/orgs/institutions/{institution_id}/deactivate', inst(id))),
  reactivate: (id: string) => unwrap(api.POST('/api/v1/orgs/institutions/{institution_id}/reactivate', inst(id))),
  importTemplate: async () => (await unwrap(api.GET('/api/v1/orgs/institutions/import-template', { parseAs: 'blob' }))) as unknown as Blob,
  importFile: (file: File) => unwrap(api.POST('/api/v1/orgs/institutions/import', { body: fileBody(file) })),
  departments: (id: string) =>
    unwrap(api.GET('/api/v1/orgs/institutions/{institution_id}/departments', { params: { path: { institution_id: id }, query: { pageSize: 500 } } })),
  createDepartment: (id: string, body: DepartmentCreate) =>
    unwrap(api.POST('/api/v1/orgs/institutions/{institution_id}/departments', { ...inst(id), body })),
  updateDepartment: (id: string, deptId: string, body: DepartmentUpdate) =>
    unwrap(
      api.PATCH('/api/v1/orgs/institutions/{institution_id}/departments/{department_id}', {
        params: { path: { institution_id: id, department_id: deptId } },
        body,
      }),
    ),
  removeDepartment: (id: string, deptId: string) =>
    unwrap(
      api.DELETE('/api/v1/orgs/institutions/{institution_id}/departments/{department_id}', {
        params: { path: { institution_id: id, department_id: deptId } },
      }),
    ),
}
