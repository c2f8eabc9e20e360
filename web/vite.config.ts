/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

/** Writes .gz and .br siblings of text assets so the API process serves them without compressing
 * at request time (the server picks one by Accept-Encoding). */
function precompress(): Plugin {
  return {
    name: 'healthnet-precompress',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (!/\.(js|css|html|svg|json)$/.test(file.fileName)) continue
        const source = file.type === 'chunk' ? file.code : file.source
        const buf = Buffer.from(source)
        if (buf.length < 1024) continue
        this.emitFile({ type: 'asset', fileName: `${file.fileName}.gz`, source: gzipSync(buf, { level: 9 }) })
        this.emitFile({
          type: 'asset',
          fileName: `${file.fileName}.br`,
          source: brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
        })
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
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules/exceljs')) return 'exceljs'
          return undefined
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
  },
})
