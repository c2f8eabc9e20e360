/** Page patterns are configured with these shapes, so a module's list page is mostly data. */
export interface Option {
  label: string
  value: string | number | boolean
  tagType?: '' | 'success' | 'info' | 'warning' | 'danger' | 'primary'
}

export interface ColumnDef<Row = Record<string, unknown>> {
  prop: string
  /** i18n key (or literal text) of the header. */
  label: string
  width?: number
  minWidth?: number
  /** "server": the API sorts by ``sort=prop`` / ``sort=-prop``; true: sorts the shown page. */
  sortable?: boolean | 'server'
  /** Shown unless the user hides it in the column settings. */
  visible?: boolean
  /** Text of the cell (and of the Excel cell). */
  format?: (row: Row) => string
  /** Values drawn as tags with these labels. */
  options?: Option[]
  kind?: 'datetime' | 'date' | 'boolean'
  fixed?: 'left' | 'right'
  align?: 'left' | 'center' | 'right'
}

export interface FilterDef {
  prop: string
  label: string
  type?: 'text' | 'select' | 'date' | 'daterange' | 'boolean'
  options?: Option[]
  placeholder?: string
  width?: number
}

/** What a parent may call on a ListPage through a template ref. */
export interface ListPageExpose {
  reload: () => Promise<void>
  search: () => Promise<void>
}
