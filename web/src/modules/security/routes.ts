import type { RouteRecordRaw } from 'vue-router'

// Paths equal the back end's menu entries (auth, audit, certs and oidc MANIFESTs).
const routes: RouteRecordRaw[] = [
  {
    path: 'security/login-log',
    name: 'security-login-log',
    component: () => import('./views/LoginLogView.vue'),
    meta: { title: 'menu.auth.login_log', permission: 'auth:login_log:read' },
  },
  {
    path: 'security/sessions',
    name: 'security-sessions',
    component: () => import('./views/SessionsView.vue'),
    meta: { title: 'menu.auth.sessions', permission: 'auth:session:manage' },
  },
  {
    path: 'security/audit',
    name: 'security-audit',
    component: () => import('./views/AuditRecordsView.vue'),
    meta: { title: 'menu.audit.records', permission: 'audit:record:read' },
  },
  {
    path: 'security/audit/chain',
    name: 'security-audit-chain',
    component: () => import('./views/AuditChainView.vue'),
    meta: { title: 'menu.audit.chain', permission: 'audit:chain:verify' },
  },
  {
    path: 'security/certificates',
    name: 'security-certificates',
    component: () => import('./views/CertificatesView.vue'),
    meta: { title: 'menu.certs.certificates', permission: 'certs:certificate:read' },
  },
  {
    path: 'security/certificates/statistics',
    name: 'security-certificate-statistics',
    component: () => import('./views/CertificateStatisticsView.vue'),
    meta: { title: 'menu.certs.statistics', permission: 'certs:certificate:read' },
  },
  {
    path: 'security/certificates/:id',
    name: 'security-certificate-detail',
    component: () => import('./views/CertificateDetailView.vue'),
    props: true,
    meta: { title: 'security.cert.detail', permission: 'certs:certificate:read' },
  },
  {
    path: 'security/oidc-clients',
    name: 'security-oidc-clients',
    component: () => import('./views/OidcClientsView.vue'),
    meta: { title: 'menu.oidc.clients', permission: 'oidc:client:read' },
  },
]

export default routes
