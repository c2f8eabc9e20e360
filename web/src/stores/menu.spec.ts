import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useMenuStore, type MenuNode } from './menu'

const system: MenuNode = {
  key: 'system',
  title: '系统管理',
  path: '/system',
  children: [
    { key: 'auth.users', title: '用户管理', path: '/system/users' },
    { key: 'rbac.roles', title: '角色管理', path: '/system/roles' },
  ],
}
const security: MenuNode = {
  key: 'security',
  title: '安全管理',
  path: '/security',
  children: [{ key: 'audit.records', title: '审计日志', path: '/security/audit' }],
}

beforeEach(() => {
  setActivePinia(createPinia())
  useMenuStore().items = [system, security]
})

describe('menu trail', () => {
  it('names the group and the page', () => {
    expect(useMenuStore().trail('/security/audit').map((n) => n.title)).toEqual(['安全管理', '审计日志'])
  })

  it('covers the pages below a menu entry (a detail page)', () => {
    expect(useMenuStore().trail('/system/users/01HX').map((n) => n.title)).toEqual(['系统管理', '用户管理'])
  })

  it('does not take a longer sibling path for a child', () => {
    expect(useMenuStore().trail('/system/users-archive')).toEqual([])
  })

  it('is empty for a page outside the menu', () => {
    expect(useMenuStore().trail('/403')).toEqual([])
  })
})
