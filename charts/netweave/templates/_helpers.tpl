{{/* Labels every object of the release carries. */}}
{{- define "netweave.labels" -}}
app.kubernetes.io/name: netweave
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* Labels that select the netweave pods. */}}
{{- define "netweave.selectorLabels" -}}
app.kubernetes.io/name: netweave
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The Service the APIService points at; the serving certificate names it. */}}
{{- define "netweave.apiServiceName" -}}netweave-api{{- end }}

{{/* DNS names of the serving certificate. */}}
{{- define "netweave.dnsNames" -}}
- {{ include "netweave.apiServiceName" . }}.{{ .Release.Namespace }}.svc
- {{ include "netweave.apiServiceName" . }}.{{ .Release.Namespace }}.svc.cluster.local
- netweave-o2ims.{{ .Release.Namespace }}.svc
- netweave-o2ims.{{ .Release.Namespace }}.svc.cluster.local
{{- with .Values.o2ims.ingress.enabled }}
- {{ $.Values.o2ims.ingress.host }}
{{- end }}
{{- end }}

{{/*
The O2 face's apiRoot, the URL SMOs use (the O-Cloud's serviceUri, the IMS_EP registered with
the SMO): o2ims.apiRoot; else the Ingress's host when the Ingress is on (SMOs reach the O2 face
there, not at the Service's in-cluster name); else the Service's in-cluster address.
*/}}
{{- define "netweave.apiRoot" -}}
{{- $o := .Values.o2ims }}
{{- if $o.apiRoot }}{{ $o.apiRoot }}
{{- else if $o.ingress.enabled }}https://{{ $o.ingress.host }}
{{- else }}https://netweave-o2ims.{{ .Release.Namespace }}.svc{{ if ne (int $o.service.port) 443 }}:{{ int $o.service.port }}{{ end }}
{{- end }}
{{- end }}

{{/* The bundled Redis's names. */}}
{{- define "netweave.redisName" -}}netweave-redis{{- end }}

{{/* Fails the render on contradictory values, with a message naming them. */}}
{{- define "netweave.validate" -}}
{{- with .Values.notifier.oauth2.tokenURL }}
{{- if not (hasPrefix "https://" .) }}
{{- fail (printf "notifier.oauth2.tokenURL must be an https URL, not %q: the client secret and the token would cross the network in clear" .) }}
{{- end }}
{{- end }}
{{- if not (has .Values.tls.mode (list "selfSigned" "certManager" "secret")) }}
{{- fail (printf "tls.mode must be selfSigned, certManager or secret, not %q" .Values.tls.mode) }}
{{- end }}
{{- if and (eq .Values.tls.mode "secret") (not .Values.tls.caBundle) }}
{{- fail "tls.mode=secret needs tls.caBundle (the CA that signed the certificate in tls.secretName)" }}
{{- end }}
{{- if not (has .Values.redis.mode (list "standalone" "sentinel" "bundled")) }}
{{- fail (printf "redis.mode must be standalone, sentinel or bundled, not %q" .Values.redis.mode) }}
{{- end }}
{{- if and (eq .Values.redis.mode "bundled") (not .Values.redis.passwordSecret.name) }}
{{- fail "redis.mode=bundled needs redis.passwordSecret.name (without a password Redis refuses other pods, and Sentinels would take commands from any pod)" }}
{{- end }}
{{- if and (eq .Values.redis.mode "bundled") .Values.redis.tls.enabled }}
{{- fail "redis.mode=bundled runs Redis without TLS: unset redis.tls.enabled (netweave would never reach it)" }}
{{- end }}
{{- if and (eq .Values.redis.mode "bundled") .Values.redis.username }}
{{- fail "redis.mode=bundled has only Redis's default user: unset redis.username (every connection would be refused, WRONGPASS)" }}
{{- end }}
{{- if and (eq .Values.redis.mode "sentinel") (not .Values.redis.sentinel.addresses) }}
{{- fail "redis.mode=sentinel needs redis.sentinel.addresses" }}
{{- end }}
{{- if and (eq .Values.redis.mode "sentinel") .Values.redis.sentinel.username (not .Values.redis.sentinel.passwordSecret.name) (not .Values.redis.passwordSecret.name) }}
{{- fail "redis.sentinel.username needs redis.sentinel.passwordSecret.name (or redis.passwordSecret.name, when the Sentinels share the data nodes' password): an ACL user cannot authenticate without a password" }}
{{- end }}
{{- if not (has .Values.podAntiAffinity (list "soft" "hard" "none")) }}
{{- fail (printf "podAntiAffinity must be soft, hard or none, not %q" .Values.podAntiAffinity) }}
{{- end }}
{{- if and .Values.o2ims.requireClientCert (not .Values.o2ims.clientCA.configMap) }}
{{- fail "o2ims.requireClientCert needs o2ims.clientCA.configMap (the CA that signs SMO certificates)" }}
{{- end }}
{{- if and .Values.redis.tls.clientCert (not .Values.redis.tls.secretName) }}
{{- fail "redis.tls.clientCert needs redis.tls.secretName (the Secret with tls.crt and tls.key)" }}
{{- end }}
{{- if and .Values.alarms.certificates.selector (not .Values.alarms.certificates.selectorNamespace) }}
{{- fail "alarms.certificates.selector needs alarms.certificates.selectorNamespace (an operator's namespace: across every namespace, any namespace admin could raise O-Cloud certificate alarms)" }}
{{- end }}
{{- if and .Values.o2ims.ingress.enabled (eq (int .Values.o2ims.port) 0) }}
{{- fail "o2ims.ingress.enabled needs the O2 face (o2ims.port > 0)" }}
{{- end }}
{{- if .Values.flowControl.enabled }}
{{- if not .Values.flowControl.priorityLevel }}
{{- fail "flowControl.priorityLevel names the PriorityLevelConfiguration of netweave's reviews (workload-high), or set flowControl.enabled=false" }}
{{- end }}
{{- if not .Values.flowControl.leaderElectionPriorityLevel }}
{{- fail "flowControl.leaderElectionPriorityLevel names the PriorityLevelConfiguration of netweave's Leases (leader-election), or set flowControl.enabled=false" }}
{{- end }}
{{- $p := int .Values.flowControl.matchingPrecedence }}
{{- if or (lt $p 1) (gt $p 10000) }}
{{- fail (printf "flowControl.matchingPrecedence must be between 1 and 10000, not %d" $p) }}
{{- end }}
{{- end }}
{{- end }}

{{/* netweave's Redis flags for the chosen redis.mode. */}}
{{- define "netweave.redisArgs" -}}
{{- $r := .Values.redis -}}
{{- if eq $r.mode "standalone" }}
- --redis-address={{ $r.address }}
{{- else if eq $r.mode "sentinel" }}
- --redis-sentinel-master={{ $r.sentinel.master }}
- --redis-sentinel-addresses={{ join "," $r.sentinel.addresses }}
{{- with $r.sentinel.username }}
- --redis-sentinel-username={{ . }}
{{- end }}
{{- if $r.sentinel.passwordSecret.name }}
- --redis-sentinel-password-file=/etc/netweave/redis-sentinel/password
{{- end }}
{{- else }}
- --redis-sentinel-master=netweave
- --redis-sentinel-addresses={{ include "netweave.redisName" . }}.{{ .Release.Namespace }}.svc:26379
{{- end }}
- --redis-key-prefix={{ $r.keyPrefix }}
- --redis-require-aof={{ $r.requireAOF }}
{{- if $r.minReplicasAck }}
- --redis-min-replicas-ack={{ $r.minReplicasAck }}
{{- end }}
{{- with $r.username }}
- --redis-username={{ . }}
{{- end }}
{{- if $r.passwordSecret.name }}
- --redis-password-file=/etc/netweave/redis/password
{{- end }}
{{- if $r.tls.enabled }}
- --redis-tls
{{- if $r.tls.secretName }}
- --redis-tls-ca-file=/etc/netweave/redis-tls/ca.crt
{{- if $r.tls.clientCert }}
- --redis-tls-cert-file=/etc/netweave/redis-tls/tls.crt
- --redis-tls-key-file=/etc/netweave/redis-tls/tls.key
{{- end }}
{{- end }}
{{- with $r.tls.serverName }}
- --redis-tls-server-name={{ . }}
{{- end }}
{{- if eq $r.mode "sentinel" }}
{{- with $r.sentinel.tlsServerName }}
- --redis-sentinel-tls-server-name={{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
