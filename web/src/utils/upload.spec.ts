import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/errors'
import { rowErrorsOf } from './upload'

describe('rowErrorsOf', () => {
  it('keeps line and column of each refused row, in file order', () => {
    const e = ApiError.from(
      422,
      {
        code: 'orgs.import_rejected',
        detail: '文件有 2 处错误，未导入任何数据',
        errors: [
          { line: 5, column: '统一社会信用代码', field: 'creditCode', code: 'orgs.credit_code_checksum', message: '统一社会信用代码校验码不正确' },
          { line: 3, column: '所在区', field: 'districtCode', code: 'orgs.district_unknown', message: '所在区不存在' },
        ],
      },
      '422',
    )
    expect(rowErrorsOf(e).map((r) => [r.line, r.column, r.message])).toEqual([
      [3, '所在区', '所在区不存在'],
      [5, '统一社会信用代码', '统一社会信用代码校验码不正确'],
    ])
  })

  it('is empty for errors that are not about rows', () => {
    expect(rowErrorsOf(new ApiError(403, 'forbidden', '无权限'))).toEqual([])
    expect(rowErrorsOf(new Error('x'))).toEqual([])
  })
})
