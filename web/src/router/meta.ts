import 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title (tabs, breadcrumbs, document title). */
    title?: string
    /** Permission code needed to open the page, e.g. "auth:user:read". */
    permission?: string
    /** Reachable without signing in. */
    public?: boolean
    /** The tab of this page shows the list it came from (detail pages), not a new tab. */
    hideTab?: boolean
  }
}
