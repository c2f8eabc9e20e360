/** The business modules' H5 contributions (modules/<domain>/h5.ts), collected at build time. */
import type { RouteRecordRaw } from 'vue-router'
import type { H5Module, H5Tile } from './tiles'

const modules = import.meta.glob<H5Module>('../modules/*/h5.ts', { eager: true })

export const moduleRoutes: RouteRecordRaw[] = Object.values(modules).flatMap((m) => m.routes ?? [])
export const moduleTiles: H5Tile[] = Object.values(modules).flatMap((m) => m.tiles ?? [])
