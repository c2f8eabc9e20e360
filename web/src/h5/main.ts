import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/el-message.css'
import '@/styles/base.css'
import App from './App.vue'
import { i18n, translate } from '@/i18n'
import { installH5Messages } from './locales'
import { makeH5Router } from './router'
import { onUnauthenticated, setNetworkMessage } from '@/api/client'
import { useAuthStore } from '@/stores/auth'

installH5Messages()
const app = createApp(App)
app.use(createPinia())
app.use(i18n)
const router = makeH5Router()
app.use(router)
setNetworkMessage(() => translate('common.networkError'))
document.documentElement.lang = i18n.global.locale.value

// A session that ended (idle timeout, signed out elsewhere) sends the resident back to sign in,
// returning to the same page afterwards.
onUnauthenticated(() => {
  const auth = useAuthStore()
  if (!auth.me) return // no session yet: the route guard handles the first visit
  auth.me = null
  auth.restart()
  const current = router.currentRoute.value
  if (!current.meta.public) void router.replace({ name: 'h5-login', query: current.fullPath === '/' ? {} : { redirect: current.fullPath } })
})

app.mount('#app')
