import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import 'element-plus/theme-chalk/el-notification.css'
import '@/styles/base.css'
import App from './App.vue'
import { i18n, translate } from '@/i18n'
import { makeRouter } from '@/router'
import { vPerm } from '@/directives/perm'
import { setNetworkMessage } from '@/api/client'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(makeRouter())
app.directive('perm', vPerm)
setNetworkMessage(() => translate('common.networkError'))
document.documentElement.lang = i18n.global.locale.value
app.mount('#app')
