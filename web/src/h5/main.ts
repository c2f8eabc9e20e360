import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/el-message.css'
import '@/styles/base.css'
import App from './App.vue'
import { i18n, translate } from '@/i18n'
import { makeH5Router } from './router'
import { setNetworkMessage } from '@/api/client'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(makeH5Router())
setNetworkMessage(() => translate('common.networkError'))
document.documentElement.lang = i18n.global.locale.value
app.mount('#app')
