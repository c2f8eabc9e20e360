/** The H5 catalogue lives outside modules/*, so i18n/index.ts does not collect it: the H5 entry
 * merges it under `h5.` (and the tests do the same). */
import { i18n } from '@/i18n'
import zhCN from './zh-CN'
import en from './en'

export function installH5Messages(): void {
  i18n.global.mergeLocaleMessage('zh-CN', { h5: zhCN })
  i18n.global.mergeLocaleMessage('en', { h5: en })
}
