/** Names for the codes a person record carries: districts (GB/T 2260, from the orgs API) and
 * ethnic groups (GB/T 3304, from the code systems), loaded once per page load. */
import { ref } from 'vue'
import { orgsApi, type District } from '@/modules/orgs/api'
import { patientsApi } from './api'

const districts = ref<District[]>([])
const ethnicities = ref<{ code: string; name: string }[]>([])
let districtsLoading: Promise<void> | null = null
let ethnicitiesLoading: Promise<void> | null = null

export function useLookups() {
  districtsLoading ??= orgsApi.districts().then(
    (d) => void (districts.value = d),
    () => void (districtsLoading = null),
  )
  ethnicitiesLoading ??= patientsApi.ethnicities().then(
    (items) => void (ethnicities.value = items.map((c) => ({ code: c.code, name: c.displayZh }))),
    // Without codes:concept:read the form falls back to typing the two-digit code.
    () => undefined,
  )
  const districtName = (code: string | null | undefined) => (code ? (districts.value.find((d) => d.code === code)?.name ?? code) : '')
  const ethnicityName = (code: string | null | undefined) => (code ? (ethnicities.value.find((e) => e.code === code)?.name ?? code) : '')
  return { districts, ethnicities, districtName, ethnicityName }
}
