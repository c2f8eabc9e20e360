import type { MenuNode } from '@/stores/menu'

/** A menu node's title: the UI's own catalogue when it knows the key, else the server's title. */
export function menuTitle(node: MenuNode, t: (k: string) => string, te: (k: string) => boolean): string {
  return te(node.key) ? t(node.key) : node.title
}
