{{/* Names: `<release>-lighthouse` unless the release name already says lighthouse; 63 characters at most. */}}
{{- define "lighthouse.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lighthouse.runnerName" -}}
{{- printf "%s-runner" (include "lighthouse.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Where jobs run: LighthouseJobs, PipelineRuns, build-number ConfigMaps, ServiceAccounts of the meta step and the builds, and every Role. */}}
{{- define "lighthouse.jobsNamespace" -}}
{{- .Values.jobsNamespace | default .Release.Namespace -}}
{{- end -}}

{{/*
The ServiceAccount meta PipelineRuns run as. Never the builds' (`tekton-bot`, whatever
builds.serviceAccount.name says, is what lighthouse's jobs run as): the pull request's code would then run
with the meta step's rights.
*/}}
{{- define "lighthouse.metaStepServiceAccount" -}}
{{- $name := .Values.metaStep.serviceAccount.name -}}
{{- if not $name -}}
{{- fail "metaStep.serviceAccount.name must not be empty" -}}
{{- else if eq $name "tekton-bot" -}}
{{- fail "metaStep.serviceAccount.name must not be tekton-bot, the ServiceAccount builds run as: pull request code would get the meta step's rights" -}}
{{- else if eq $name (include "lighthouse.buildServiceAccount" .) -}}
{{- fail "metaStep.serviceAccount.name and builds.serviceAccount.name must differ: pull request code would get the meta step's rights" -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{- define "lighthouse.buildServiceAccount" -}}
{{- .Values.builds.serviceAccount.name | required "builds.serviceAccount.name must not be empty" -}}
{{- end -}}

{{- define "lighthouse.remote" -}}
{{- if eq .Values.metapipeline.mode "remote" -}}true{{- else if ne .Values.metapipeline.mode "embedded" -}}
{{- fail (printf "metapipeline.mode must be embedded or remote, not %q" .Values.metapipeline.mode) -}}
{{- end -}}
{{- end -}}

{{- define "lighthouse.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "lighthouse"). */}}
{{- define "lighthouse.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lighthouse.componentLabels" -}}
{{ include "lighthouse.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lighthouse.lighthouseImage" -}}
{{- $image := .Values.lighthouse.image -}}
{{- $tag := $image.tag | default (printf "%s%s" .Chart.AppVersion (ternary "-remote" "" (eq (include "lighthouse.remote" .) "true"))) -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- end -}}

{{- define "lighthouse.runnerImage" -}}
{{- printf "%s:%s" .Values.runner.image.repository (.Values.runner.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "lighthouse.metaStepImage" -}}
{{- .Values.metaStep.image | default (include "lighthouse.runnerImage" .) -}}
{{- end -}}

{{- define "lighthouse.webhookSecretName" -}}
{{- .Values.lighthouse.webhookSecret.existingSecret | default (printf "%s-webhook" (include "lighthouse.fullname" .)) -}}
{{- end -}}

{{- define "lighthouse.runnerTokenSecretName" -}}
{{- .Values.runner.token.existingSecret | default (printf "%s-token" (include "lighthouse.runnerName" .)) -}}
{{- end -}}

{{- define "lighthouse.configMapName" -}}
{{- .Values.existingConfigMap | default (printf "%s-config" (include "lighthouse.fullname" .)) -}}
{{- end -}}

{{/*
A random value for a Secret the chart creates, kept across upgrades: the value already in the cluster
when there is one (`lookup` sees nothing under `helm template`, which then makes a new one each time).
Call with (dict "root" $ "name" NAME "key" KEY).
*/}}
{{- define "lighthouse.keptRandom" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if and $existing (index ($existing.data | default dict) .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum 48 | b64enc -}}
{{- end -}}
{{- end -}}

{{/* Pod settings every component shares: call with (dict "root" $ "component" VALUES). */}}
{{- define "lighthouse.podScheduling" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .component.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The probes both servers answer on their `http` port. */}}
{{- define "lighthouse.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
  failureThreshold: 2
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 2
  failureThreshold: 30
{{- end -}}
