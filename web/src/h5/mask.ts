/** A name as the resident pages show it: the first and last character, the rest starred
 * (张*明, 欧阳**华; two characters: 李*), so a shoulder-surfer learns little. Idempotent, so a
 * name the server already masked stays as it is. */
export function maskName(name: string | null | undefined): string {
  const chars = Array.from((name ?? '').trim())
  if (chars.length <= 1) return chars.join('')
  if (chars.length === 2) return `${chars[0]}*`
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1]
}
