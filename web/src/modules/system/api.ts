/** The system-administration module's calls, typed from the generated OpenAPI schema. */
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'

export type User = components['schemas']['UserRead']
export type UserCreate = components['schemas']['UserCreate']
export type Role = components['schemas']['RoleRead']
export type UserRole = components['schemas']['UserRoleRead']
export type RoleCreate = components['schemas']['RoleCreate']
export type RoleUpdate = components['schemas']['RoleUpdate']
export type DataScope = RoleCreate['dataScope']
export type PermissionGroup = components['schemas']['PermissionGroup']
export type Job = components['schemas']['JobRead']
export type JobDetail = components['schemas']['JobDetail']
export type JobStatus = components['schemas']['JobStatus']
export type Schedule = components['schemas']['ScheduleRead']
export type Parameter = components['schemas']['ParameterRead']
export type DictType = components['schemas']['DictTypeRead']
export type DictTypeCreate = components['schemas']['DictTypeCreate']
export type DictTypeUpdate = components['schemas']['DictTypeUpdate']
export type DictItem = components['schemas']['DictItemRead']
export type DictItemCreate = components['schemas']['DictItemCreate']
export type DictItemUpdate = components['schemas']['DictItemUpdate']
export type TagType = DictItem['tagType']

/** Widest first; the server's values (healthnet/core/rbac/scope.py). */
export const DATA_SCOPES: DataScope[] = ['city', 'district', 'institution', 'custom', 'own']
export const DUTIES = ['system', 'security', 'audit'] as const
export const JOB_STATUSES: JobStatus[] = ['pending', 'running', 'retrying', 'succeeded', 'dead']
export const TAG_TYPES: TagType[] = ['', 'success', 'info', 'warning', 'danger']

export const usersApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/auth/users', { params: { query: q } })),
  create: (body: UserCreate) => unwrap(api.POST('/api/v1/auth/users', { body })),
  unlock: (id: string) => unwrap(api.POST('/api/v1/auth/users/{user_id}/unlock', { params: { path: { user_id: id } } })),
  enable: (id: string) => unwrap(api.POST('/api/v1/auth/users/{user_id}/enable', { params: { path: { user_id: id } } })),
  disable: (id: string) => unwrap(api.POST('/api/v1/auth/users/{user_id}/disable', { params: { path: { user_id: id } } })),
  resetPassword: (id: string) =>
    unwrap(api.POST('/api/v1/auth/users/{user_id}/password-reset', { params: { path: { user_id: id } } })),
  resetSecondFactor: (id: string) =>
    unwrap(api.POST('/api/v1/auth/users/{user_id}/second-factor-reset', { params: { path: { user_id: id } } })),
  roles: (id: string) => unwrap(api.GET('/api/v1/rbac/users/{user_id}/roles', { params: { path: { user_id: id } } })),
  grant: (id: string, roleCode: string) =>
    unwrap(api.POST('/api/v1/rbac/users/{user_id}/roles', { params: { path: { user_id: id } }, body: { roleCode } })),
  revoke: (id: string, roleId: string) =>
    unwrap(api.DELETE('/api/v1/rbac/users/{user_id}/roles/{role_id}', { params: { path: { user_id: id, role_id: roleId } } })),
}

export const rolesApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/rbac/roles', { params: { query: q } })),
  all: async () => (await unwrap(api.GET('/api/v1/rbac/roles', { params: { query: { page: 1, pageSize: 500 } } }))).items,
  create: (body: RoleCreate) => unwrap(api.POST('/api/v1/rbac/roles', { body })),
  update: (id: string, body: RoleUpdate) => unwrap(api.PATCH('/api/v1/rbac/roles/{role_id}', { params: { path: { role_id: id } }, body })),
  remove: (id: string) => unwrap(api.DELETE('/api/v1/rbac/roles/{role_id}', { params: { path: { role_id: id } } })),
  permissions: () => unwrap(api.GET('/api/v1/rbac/permissions')),
}

export const jobsApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/jobs/jobs', { params: { query: q } })),
  get: (id: string) => unwrap(api.GET('/api/v1/jobs/jobs/{job_id}', { params: { path: { job_id: id } } })),
  requeue: (id: string) => unwrap(api.POST('/api/v1/jobs/jobs/{job_id}/requeue', { params: { path: { job_id: id } } })),
  schedules: async () => (await unwrap(api.GET('/api/v1/jobs/schedules', { params: { query: { page: 1, pageSize: 500 } } }))).items,
  setScheduleEnabled: (id: string, enabled: boolean) =>
    unwrap(api.PATCH('/api/v1/jobs/schedules/{schedule_id}', { params: { path: { schedule_id: id } }, body: { enabled } })),
}

export const paramsApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/sysconf/params', { params: { query: q } })),
  setValue: (key: string, value: string) => unwrap(api.PATCH('/api/v1/sysconf/params/{key}', { params: { path: { key } }, body: { value } })),
}

export const dictsApi = {
  types: async (q?: string) => (await unwrap(api.GET('/api/v1/sysconf/dicts', { params: { query: { q: q || undefined, page: 1, pageSize: 500 } } }))).items,
  detail: (code: string) => unwrap(api.GET('/api/v1/sysconf/dicts/{code}', { params: { path: { code } } })),
  createType: (body: DictTypeCreate) => unwrap(api.POST('/api/v1/sysconf/dicts', { body })),
  updateType: (code: string, body: DictTypeUpdate) => unwrap(api.PATCH('/api/v1/sysconf/dicts/{code}', { params: { path: { code } }, body })),
  removeType: (code: string) => unwrap(api.DELETE('/api/v1/sysconf/dicts/{code}', { params: { path: { code } } })),
  createItem: (code: string, body: DictItemCreate) => unwrap(api.POST('/api/v1/sysconf/dicts/{code}/items', { params: { path: { code } }, body })),
  updateItem: (code: string, id: string, body: DictItemUpdate) =>
    unwrap(api.PATCH('/api/v1/sysconf/dicts/{code}/items/{item_id}', { params: { path: { code, item_id: id } }, body })),
  removeItem: (code: string, id: string) =>
    unwrap(api.DELETE('/api/v1/sysconf/dicts/{code}/items/{item_id}', { params: { path: { code, item_id: id } } })),
}
