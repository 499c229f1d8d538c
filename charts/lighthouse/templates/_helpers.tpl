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

{{/*
Where jobs run: LighthouseJobs, PipelineRuns, build-number ConfigMaps, ServiceAccounts of the meta step and
the builds, and every Role. Never the release namespace unless the user says they accept what that means
(allowJobsInReleaseNamespace): a pipeline's pod can mount any Secret of its namespace by name, lighthouse's
included.
*/}}
{{- define "lighthouse.jobsNamespace" -}}
{{- $namespace := .Values.jobsNamespace | default .Release.Namespace -}}
{{- if and (eq $namespace .Release.Namespace) (not .Values.allowJobsInReleaseNamespace) -}}
{{- $why := ternary (printf "jobsNamespace is empty, so jobs would run in the release namespace %s" $namespace) (printf "jobsNamespace is the release namespace %s" $namespace) (not .Values.jobsNamespace) -}}
{{- fail (printf "%s, where any pipeline (pull request code) can mount lighthouse's Secrets: the webhook secret, the runner token, the Git provider tokens, the GitHub App key. Either give the jobs a namespace of their own (kubectl create namespace %s-jobs, then --set jobsNamespace=%s-jobs), or accept that risk with --set allowJobsInReleaseNamespace=true" $why $namespace $namespace) -}}
{{- end -}}
{{- $namespace -}}
{{- end -}}

{{/*
The ServiceAccount meta PipelineRuns run as: metaStep.serviceAccount.name, else `<fullname>-meta-step`, so
that two releases sharing a jobs namespace each have their own. Never the builds' (`tekton-bot`, whatever
builds.serviceAccount.name says, is what lighthouse's jobs run as): the pull request's code would then run
with the meta step's rights.
*/}}
{{- define "lighthouse.metaStepServiceAccount" -}}
{{- $name := .Values.metaStep.serviceAccount.name | default (printf "%s-meta-step" (include "lighthouse.fullname" .)) -}}
{{- if eq $name "tekton-bot" -}}
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

{{/*
The Git providers' settings (`git`), for each container that talks to them: lighthouse always, the runner
in remote mode (its reporter). Its credentials are files from Secrets you manage, mounted at the same
paths in both; lighthouse.gitEnv, lighthouse.gitVolumeMounts and lighthouse.gitVolumes go together.
*/}}
{{- define "lighthouse.gitEnv" -}}
{{- if hasKey .Values.lighthouse "git" -}}
{{- fail "lighthouse.git moved to git (top level): lighthouse and, in remote mode, the runner read it" -}}
{{- end -}}
{{- $app := .Values.git.github.app -}}
{{- if and $app.id (not $app.keySecret) -}}
{{- fail "git.github.app.id needs git.github.app.keySecret, the Secret holding the app's private key" -}}
{{- else if and $app.keySecret (not $app.id) -}}
{{- fail "git.github.app.keySecret needs git.github.app.id, the GitHub App's id" -}}
{{- else if and $app.id .Values.git.github.tokenSecret -}}
{{- fail "git.github.app.id and git.github.tokenSecret: act as the app or with a token, not both" -}}
{{- end -}}
{{- range $provider, $git := .Values.git }}
{{- $prefix := printf "LIGHTHOUSE_%s" (upper $provider) }}
{{- if $git.tokenSecret }}
{{- if not $git.apiUrl }}
{{- fail (printf "git.%s.apiUrl is required with a token" $provider) }}
{{- end }}
- name: {{ $prefix }}_TOKEN_FILE
  value: /etc/lighthouse/{{ $provider }}/{{ $git.key }}
{{- end }}
{{- with $git.apiUrl }}
- name: {{ $prefix }}_API_URL
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if $app.id }}
- name: LIGHTHOUSE_GITHUB_APP_ID
  {{- /* A number from a values file arrives as a float64, which would print as 1.234567e+06. */}}
  value: {{ ternary $app.id (int64 $app.id) (kindIs "string" $app.id) | toString | quote }}
- name: LIGHTHOUSE_GITHUB_APP_KEY_FILE
  value: /etc/lighthouse/github-app/{{ $app.key }}
{{- end }}
{{- end -}}

{{- define "lighthouse.gitVolumeMounts" -}}
{{- range $provider, $git := .Values.git }}
{{- if $git.tokenSecret }}
- name: {{ $provider }}-token
  mountPath: /etc/lighthouse/{{ $provider }}
  readOnly: true
{{- end }}
{{- end }}
{{- if .Values.git.github.app.keySecret }}
- name: github-app-key
  mountPath: /etc/lighthouse/github-app
  readOnly: true
{{- end }}
{{- end -}}

{{- define "lighthouse.gitVolumes" -}}
{{- range $provider, $git := .Values.git }}
{{- if $git.tokenSecret }}
- name: {{ $provider }}-token
  secret:
    secretName: {{ $git.tokenSecret }}
    items: [{ key: {{ $git.key }}, path: {{ $git.key }} }]
    defaultMode: 0440
{{- end }}
{{- end }}
{{- with .Values.git.github.app }}
{{- if .keySecret }}
- name: github-app-key
  secret:
    secretName: {{ .keySecret }}
    items: [{ key: {{ .key }}, path: {{ .key }} }]
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end -}}

{{/* The reporter's settings (`report`), for the container that runs it: lighthouse in embedded mode, the runner in remote mode. */}}
{{- define "lighthouse.reportEnv" -}}
- name: LIGHTHOUSE_REPORT
  value: {{ .Values.report.enabled | toString | quote }}
{{- $uiJobs := "" }}
{{- if and .Values.ui.enabled .Values.ui.url }}
{{- $uiJobs = printf "%s/jobs/{namespace}/{job}" (trimSuffix "/" .Values.ui.url) }}
{{- end }}
{{- with .Values.report.targetUrl | default $uiJobs }}
- name: LIGHTHOUSE_REPORT_TARGET_URL
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
The meta step's requests and limits (`metaStep.resources`) as the variables of the container that
creates meta PipelineRuns: call with (dict "root" $ "prefix" "RUNNER") or "LIGHTHOUSE". A key left out
takes that app's default.
*/}}
{{- define "lighthouse.metaStepResourcesEnv" -}}
{{- $resources := .root.Values.metaStep.resources | default dict -}}
{{- range $kind := list "requests" "limits" }}
{{- $amounts := index $resources $kind | default dict }}
{{- range $resource := list "cpu" "memory" }}
{{- with index $amounts $resource }}
- name: {{ $.prefix }}_META_STEP_{{ upper $resource }}_{{ upper $kind | trimSuffix "S" }}
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
What a caller holding the runner's token may ask for (`runner.allowed`): lighthouse's builds run as
tekton-bot, so it is always allowed, with the builds' ServiceAccount; the meta step's never is.
*/}}
{{- define "lighthouse.runnerPolicyEnv" -}}
{{- $allowed := .Values.runner.allowed -}}
{{- $metaStep := include "lighthouse.metaStepServiceAccount" . -}}
{{- if has $metaStep $allowed.serviceAccounts -}}
{{- fail (printf "runner.allowed.serviceAccounts must not name the meta step's ServiceAccount %s: pull request code would get its rights" $metaStep) -}}
{{- end -}}
{{- $accounts := concat (list "tekton-bot" (include "lighthouse.buildServiceAccount" .)) $allowed.serviceAccounts | uniq -}}
{{- if not $allowed.sourceSchemes -}}
{{- fail "runner.allowed.sourceSchemes must name at least one scheme" -}}
{{- end }}
- name: RUNNER_ALLOWED_SERVICE_ACCOUNTS
  value: {{ join "," $accounts | quote }}
- name: RUNNER_ALLOWED_SOURCE_SCHEMES
  value: {{ join "," $allowed.sourceSchemes | quote }}
{{- with $allowed.namespaces }}
- name: RUNNER_ALLOWED_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
{{- with $allowed.sourceHosts }}
- name: RUNNER_ALLOWED_SOURCE_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $allowed.env }}
- name: RUNNER_ALLOWED_ENV
  value: {{ join "," . | quote }}
{{- end }}
{{- end -}}

{{/* Cluster-wide, so named after the release's namespace too. */}}
{{- define "lighthouse.admissionPolicyName" -}}
{{- printf "%s.%s.pipelineruns.lighthouse-ts.dev" (include "lighthouse.fullname" .) .Release.Namespace | trunc 253 | trimSuffix "." -}}
{{- end -}}
