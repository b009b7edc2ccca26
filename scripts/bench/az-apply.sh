#!/usr/bin/env bash
# The same apply as the action, scripted the way an engineer scripts it today with the Azure CLI (core commands
# only), curl, jq and ssh-keygen: what scripts/bench/az.ts times against the action. It knows nothing of src/.
# Sequential, as such a script is: sign in, read the cluster, create the microsoft.flux extension and wait for it, make
# a key, register it as a read-only deploy key, create the flux configuration and wait for it, then read the
# configuration until Flux reports it Compliant.
#
# Waiting: `az resource create` (no --no-wait) polls the long-running operation by itself, as
# `az k8s-extension create` and `az k8s-configuration flux create` do (both need CLI extensions, out of reach here):
# the Azure SDK's poller follows Azure-AsyncOperation, sleeping what Retry-After says, or its default interval when an
# answer carries none. `az rest` would not do: it prints the body only, so a script cannot read Retry-After or the
# operation's URL from it. --location is given only because `az resource create` otherwise reads the resource group
# for it (the extension and the configuration are proxy resources; the local cloud, like ARM, ignores it).
#
# The private key: ssh-keygen writes it to a file, so it lives in a mode-700 temp dir that is removed on exit (fine for
# a benchmark; a real workflow would put it in a secret store or pass it on without a file).
#
# Environment: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, AZ_CLIENT_ID, AZ_TENANT_ID, AZ_CLUSTER_ID, AZ_ARM_ENDPOINT,
# GITHUB_API_URL, GH_TOKEN, REPOSITORY (owner/name), SSH_HOST (host:port), BRANCH, KUSTOMIZATION_PATH, and for the
# Azure CLI: AZURE_CONFIG_DIR (its cloud registered, nobody signed in), REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE.
set -euo pipefail
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
api=2023-05-01
extension="$AZ_CLUSTER_ID/providers/Microsoft.KubernetesConfiguration/extensions/flux"
configuration="$AZ_CLUSTER_ID/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/flux-system"

# 1. Sign in as azure/login does with OIDC: the job's ID token for Entra's audience, then az login with it.
id_token="$(curl -fsS -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value)"
az login --service-principal -u "$AZ_CLIENT_ID" --tenant "$AZ_TENANT_ID" --federated-token "$id_token" --output none

# 2. The cluster (and its location, for az resource create).
location="$(az rest --method get --url "$AZ_ARM_ENDPOINT$AZ_CLUSTER_ID?api-version=2024-09-01" --query location --output tsv)"

# 3. The microsoft.flux extension, waited for.
az resource create --id "$extension" --api-version "$api" --location "$location" --output none --properties '{
  "extensionType": "microsoft.flux",
  "autoUpgradeMinorVersion": true,
  "releaseTrain": "Stable",
  "scope": {"cluster": {"releaseNamespace": "flux-system"}},
  "configurationSettings": {}
}'

# 4. A key pair, and its public half as a read-only deploy key.
ssh-keygen -q -t ed25519 -N "" -C "flux" -f "$work/id"
jq -n --arg key "$(cat "$work/id.pub")" --arg title "flux $(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  '{title: $title, key: $key, read_only: true}' |
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $GH_TOKEN" -H "Accept: application/vnd.github+json" \
    --data-binary @- "$GITHUB_API_URL/repos/$REPOSITORY/keys"

# 5. The flux configuration with the key and the host keys GitHub publishes, waited for.
host="${SSH_HOST%:*}"
port="${SSH_HOST##*:}"
known_hosts="$(curl -fsS -H "Authorization: Bearer $GH_TOKEN" "$GITHUB_API_URL/meta" |
  jq -r --arg h "[$host]:$port" '.ssh_keys[] | "\($h) \(.)"' | base64 -w0)"
jq -n --arg url "ssh://git@$SSH_HOST/$REPOSITORY.git" --arg branch "$BRANCH" --arg hosts "$known_hosts" \
  --arg path "./$KUSTOMIZATION_PATH" --arg key "$(base64 -w0 <"$work/id")" '{
    scope: "cluster", namespace: "flux-system", sourceKind: "GitRepository", suspend: false,
    gitRepository: {url: $url, repositoryRef: {branch: $branch}, sshKnownHosts: $hosts},
    kustomizations: {cluster: {path: $path, dependsOn: [], prune: true, force: false, wait: true}},
    configurationProtectedSettings: {sshPrivateKey: $key}
  }' >"$work/configuration.json"
az resource create --id "$configuration" --api-version "$api" --location "$location" --output none \
  --properties "@$work/configuration.json"

# 6. Until Flux has applied the repository.
for _ in $(seq 1 60); do
  state="$(az rest --method get --url "$AZ_ARM_ENDPOINT$configuration?api-version=$api" --query properties.complianceState --output tsv)"
  [ "$state" = Compliant ] && exit 0
  sleep 2
done
echo "flux-system is $state after 60 reads" >&2
exit 1
