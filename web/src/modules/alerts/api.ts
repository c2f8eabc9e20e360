/** The duplicate-order prompts' calls (智能提示), typed from the generated OpenAPI schema. */
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'

export type CheckRequest = components['schemas']['CheckRequest']
export type DrugLine = components['schemas']['DrugLine']
export type ItemLine = components['schemas']['ItemLine']
export type CheckRead = components['schemas']['CheckRead']
export type Prompt = components['schemas']['PromptRead']
export type ResponseIn = components['schemas']['ResponseIn']
export type StatsRead = components['schemas']['StatsRead']
export type StatsRow = components['schemas']['StatsRow']
export type GroupBy = NonNullable<StatsRead['groupBy']>
export type DrugRule = components['schemas']['DrugRuleRead']
export type DrugRuleCreate = components['schemas']['DrugRuleCreate']
export type DrugRuleUpdate = components['schemas']['DrugRuleUpdate']
export type ItemRule = components['schemas']['ItemRuleRead']
export type ItemRuleCreate = components['schemas']['ItemRuleCreate']
export type ItemRuleUpdate = components['schemas']['ItemRuleUpdate']
export type EncounterClass = NonNullable<CheckRequest['encounterClass']>
export type Severity = DrugRule['severity']

export const ENCOUNTER_CLASSES: EncounterClass[] = ['outpatient', 'emergency', 'inpatient']
export const GROUP_BYS: GroupBy[] = ['institution', 'drugClass', 'item', 'month']
export const SEVERITIES: Severity[] = ['warning', 'info']

const check = (id: string) => ({ params: { path: { check_id: id } } })
const code = (c: string) => ({ params: { path: { code: c } } })

export const alertsApi = {
  check: (body: CheckRequest) => unwrap(api.POST('/api/v1/alerts/check', { body })),
  getCheck: (id: string) => unwrap(api.GET('/api/v1/alerts/checks/{check_id}', check(id))),
  respond: (id: string, responses: ResponseIn[]) =>
    unwrap(api.POST('/api/v1/alerts/checks/{check_id}/responses', { ...check(id), body: { responses } })),
  statistics: (query: { from?: string; to?: string; groupBy: GroupBy }) =>
    unwrap(api.GET('/api/v1/alerts/statistics', { params: { query } })),
}

export const drugRulesApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/alerts/drug-rules', { params: { query: q } })),
  create: (body: DrugRuleCreate) => unwrap(api.POST('/api/v1/alerts/drug-rules', { body })),
  update: (c: string, body: DrugRuleUpdate) => unwrap(api.PATCH('/api/v1/alerts/drug-rules/{code}', { ...code(c), body })),
  remove: (c: string) => unwrap(api.DELETE('/api/v1/alerts/drug-rules/{code}', code(c))),
}

export const itemRulesApi = {
  list: (q: ListQuery) => unwrap(api.GET('/api/v1/alerts/item-rules', { params: { query: q } })),
  create: (body: ItemRuleCreate) => unwrap(api.POST('/api/v1/alerts/item-rules', { body })),
  update: (c: string, body: ItemRuleUpdate) => unwrap(api.PATCH('/api/v1/alerts/item-rules/{code}', { ...code(c), body })),
  remove: (c: string) => unwrap(api.DELETE('/api/v1/alerts/item-rules/{code}', code(c))),
}
