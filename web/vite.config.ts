/// <reference types="vitest/config" />
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// vitest 5 expects Node 22: its failure report calls Map.groupBy, which Node 20 (this project's
// minimum) lacks — without this a failing test crashes the reporter and its message is lost.
const MapCtor = Map as unknown as { groupBy?: <T, K>(items: Iterable<T>, key: (item: T, i: number) => K) => Map<K, T[]> }
MapCtor.groupBy ??= <T, K>(items: Iterable<T>, key: (item: T, i: number) => K) => {
  const groups = new Map<K, T[]>()
  let i = 0
  for (const item of items) {
    const k = key(item, i++)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}

/** Writes .gz and .br siblings of text assets so the API process serves them without compressing
 * at request time (the server picks one by Accept-Encoding). */
function precompress(): Plugin {
  return {
    name: 'healthnet-precompress',
    apply: 'build',
    enforce: 'post',
    // After the files are written: earlier hooks see chunks before Vite's last rewrites.
    writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist'
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|html|svg|json)$/.test(fileName)) continue
        const path = `${dir}/${fileName}`
        const buf = readFileSync(path)
        if (buf.length < 1024) continue
        writeFileSync(`${path}.gz`, gzipSync(buf, { level: 9 }))
        writeFileSync(`${path}.br`, brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }))
      }
    },
  }
}

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus components and their styles are imported where used, so each page chunk
    // carries only what it draws.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: 'src/components.d.ts' }),
    precompress(),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        h5: fileURLToPath(new URL('./h5.html', import.meta.url)),
      },
      output: {
        // A few large vendor chunks instead of one per Element Plus component and style: the
        // browser opens six connections per host, so fifty small files queue behind each other
        // (measured: the institutions page waited ~1 s for its chunks before its first API call).
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules/exceljs')) return 'exceljs'
          if (/node_modules\/(element-plus|@element-plus|@floating-ui|@popperjs|@ctrl|lodash|dayjs|async-validator|normalize-wheel|memoize-one|@sxzz)/.test(id)) return 'element-plus'
          if (/node_modules\/(@?vue|vue-router|pinia|vue-i18n|@intlify|@vueuse)/.test(id)) return 'vue'
          return undefined
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
    // Element Plus's per-component style imports are .css files, which Node cannot load: let Vite
    // transform the package in tests, as it does in the build.
    server: { deps: { inline: ['element-plus'] } },
  },
})
