/** vue-i18n set-up: Simplified Chinese first, English second. The core's messages live in
 * i18n/locales; each module adds its own from modules/<domain>/locales/<locale>.ts. */
import { createI18n } from 'vue-i18n'
import zhCN from './locales/zh-CN'
import en from './locales/en'

export type Locale = 'zh-CN' | 'en'
export const LOCALES: Locale[] = ['zh-CN', 'en']

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- nested catalogues of strings
type Messages = Record<string, any>

const moduleLocales = import.meta.glob<{ default: Messages }>('../modules/*/locales/*.ts', { eager: true })

export function buildMessages(): Record<Locale, Messages> {
  const out: Record<Locale, Messages> = { 'zh-CN': { ...zhCN }, en: { ...en } }
  for (const [path, mod] of Object.entries(moduleLocales)) {
    const m = /modules\/([^/]+)\/locales\/([^/]+)\.ts$/.exec(path)
    if (!m) continue
    const [, domain, locale] = m
    if (locale in out) out[locale as Locale][domain] = mod.default
  }
  return out
}

const STORAGE_KEY = 'healthnet.locale'

export function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY)
  return saved === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: buildMessages(),
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}

/** Translate outside components (API client messages, router titles). */
export function translate(key: string, params: Record<string, unknown> = {}): string {
  const global = i18n.global as unknown as { t: (k: string, p: Record<string, unknown>) => string }
  return global.t(key, params)
}
