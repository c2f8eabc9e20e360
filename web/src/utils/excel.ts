/** Excel export of a list: the same query the page shows, page by page up to a limit, written
 * with ExcelJS (loaded on demand, so pages that never export never download it). */
export interface ExportColumn {
  header: string
  value: (row: Record<string, unknown>) => unknown
  width?: number
}

export async function rowsToXlsx(sheetName: string, columns: ExportColumn[], rows: Record<string, unknown>[]): Promise<Blob> {
  const { default: ExcelJS } = await import('exceljs')
  const wb = new ExcelJS.Workbook()
  wb.creator = 'HealthNet'
  wb.created = new Date()
  const ws = wb.addWorksheet(sheetName.slice(0, 31))
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width ?? Math.max(10, c.header.length * 2 + 4) }))
  ws.getRow(1).font = { bold: true }
  for (const row of rows) ws.addRow(columns.map((c) => cell(c.value(row))))
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  const buf = await wb.xlsx.writeBuffer()
  return new Blob([buf], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })
}

function cell(v: unknown): string | number | boolean | Date | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v
  return JSON.stringify(v)
}

export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
