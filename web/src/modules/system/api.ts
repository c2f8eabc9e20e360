/** The system-administration module's calls, typed from the generated OpenAPI schema. */
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'

export type User = components['schemas']['UserRead']
export type UserCreate = components['schemas']['UserCreate']
export type Role = components['schemas']['RoleRead']
export type UserRole = components['schemas']['UserRoleRead']

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
}
