#!/usr/bin/env bash
# Azure side of aks-flux-bootstrap with the az CLI (the same as identity.bicep, for clusters anywhere):
#   - a user-assigned managed identity with one federated credential per GitHub environment;
#   - a custom role with only what the action calls, assigned at each cluster's scope;
#   - at each cluster's subscription: reading provider registrations (and registering them only with
#     REGISTER_PROVIDERS=true).
# Run it as someone with Owner or User Access Administrator. It is safe to run again.
#
#   GITHUB_REPOSITORY=contoso/fleet-config \
#   ENVIRONMENTS="staging prod" \
#   CLUSTER_IDS="/subscriptions/SUB/resourceGroups/rg-prod-weu/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu" \
#   IDENTITY_RESOURCE_GROUP=rg-identity LOCATION=westeurope \
#   ./identity.sh
set -euo pipefail

: "${GITHUB_REPOSITORY:?set GITHUB_REPOSITORY=OWNER/REPO (the repository whose workflows sign in)}"
: "${ENVIRONMENTS:?set ENVIRONMENTS to the GitHub environments of the cluster jobs, space-separated}"
: "${CLUSTER_IDS:?set CLUSTER_IDS to the clusters resource IDs, space-separated}"
: "${IDENTITY_RESOURCE_GROUP:?set IDENTITY_RESOURCE_GROUP (an existing resource group for the identity)}"
IDENTITY_NAME=${IDENTITY_NAME:-id-aks-flux-bootstrap}
LOCATION=${LOCATION:-$(az group show --name "$IDENTITY_RESOURCE_GROUP" --query location --output tsv)}
REGISTER_PROVIDERS=${REGISTER_PROVIDERS:-false}
ALLOW_DESTROY=${ALLOW_DESTROY:-true}
ISSUER=${ISSUER:-https://token.actions.githubusercontent.com}   # GHES: https://HOST/_services/token
AUDIENCE=${AUDIENCE:-api://AzureADTokenExchange}               # ...USGov / ...China in sovereign clouds

cluster_actions='"Microsoft.ContainerService/managedClusters/read",
  "Microsoft.Kubernetes/connectedClusters/read",
  "Microsoft.KubernetesConfiguration/extensions/read",
  "Microsoft.KubernetesConfiguration/extensions/write",
  "Microsoft.KubernetesConfiguration/extensions/operations/read",
  "Microsoft.KubernetesConfiguration/extensionTypes/read",
  "Microsoft.KubernetesConfiguration/fluxConfigurations/read",
  "Microsoft.KubernetesConfiguration/fluxConfigurations/write",
  "Microsoft.KubernetesConfiguration/fluxConfigurations/operations/read"'
if [ "$ALLOW_DESTROY" = true ]; then
  cluster_actions+=',
  "Microsoft.KubernetesConfiguration/extensions/delete",
  "Microsoft.KubernetesConfiguration/fluxConfigurations/delete"'
fi
provider_actions='"Microsoft.Resources/subscriptions/providers/read"'
if [ "$REGISTER_PROVIDERS" = true ]; then
  provider_actions+=',
  "Microsoft.KubernetesConfiguration/register/action",
  "Microsoft.ContainerService/register/action",
  "Microsoft.Kubernetes/register/action"'
fi

# Creates or updates a custom role assignable in one subscription; prints its ID.
ensure_role() {
  local name=$1 description=$2 actions=$3 subscription=$4 definition id
  definition=$(printf '{"Name": "%s", "IsCustom": true, "Description": "%s", "Actions": [%s], "NotActions": [], "AssignableScopes": ["/subscriptions/%s"]}' \
    "$name" "$description" "$actions" "$subscription")
  id=$(az role definition list --name "$name" --scope "/subscriptions/$subscription" --query "[0].id" --output tsv)
  if [ -n "$id" ]; then
    az role definition update --role-definition "$definition" --output none
  else
    id=$(az role definition create --role-definition "$definition" --query id --output tsv)
  fi
  echo "$id"
}

# Assigns a role unless already assigned; retries while a new role or identity replicates.
ensure_assignment() {
  local role=$1 scope=$2 attempt
  if [ -n "$(az role assignment list --assignee "$principal_id" --role "$role" --scope "$scope" --query "[0].id" --output tsv)" ]; then
    return
  fi
  for attempt in 1 2 3 4 5 6; do
    if az role assignment create --assignee-object-id "$principal_id" --assignee-principal-type ServicePrincipal \
      --role "$role" --scope "$scope" --output none; then
      return
    fi
    echo "Role assignment not possible yet (attempt $attempt), waiting for replication ..." >&2
    sleep 10
  done
  return 1
}

echo "Managed identity $IDENTITY_NAME in $IDENTITY_RESOURCE_GROUP"
az identity create --resource-group "$IDENTITY_RESOURCE_GROUP" --name "$IDENTITY_NAME" --location "$LOCATION" --output none
read -r client_id principal_id tenant_id < <(az identity show --resource-group "$IDENTITY_RESOURCE_GROUP" --name "$IDENTITY_NAME" \
  --query "[clientId, principalId, tenantId]" --output tsv | tr '\n' ' ')

for environment in $ENVIRONMENTS; do
  credential="github-${GITHUB_REPOSITORY//[\/.]/-}-$environment"
  echo "Federated credential $credential: repo:$GITHUB_REPOSITORY:environment:$environment"
  az identity federated-credential create --resource-group "$IDENTITY_RESOURCE_GROUP" --identity-name "$IDENTITY_NAME" \
    --name "${credential:0:120}" --issuer "$ISSUER" --subject "repo:$GITHUB_REPOSITORY:environment:$environment" \
    --audiences "$AUDIENCE" --output none
done

declare -A cluster_role provider_role
for cluster_id in $CLUSTER_IDS; do
  case "$cluster_id" in
    /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/* | \
    /subscriptions/*/resourceGroups/*/providers/Microsoft.Kubernetes/connectedClusters/*) ;;
    *) echo "Not a managedClusters or connectedClusters resource ID: $cluster_id" >&2; exit 1 ;;
  esac
  subscription=$(cut -d/ -f3 <<<"$cluster_id")
  if [ -z "${cluster_role[$subscription]:-}" ]; then
    cluster_role[$subscription]=$(ensure_role "AKS Flux Bootstrap ($subscription)" \
      "aks-flux-bootstrap: read the cluster, manage the microsoft.flux extension and Flux configurations." \
      "$cluster_actions" "$subscription")
    provider_role[$subscription]=$(ensure_role "AKS Flux Provider Check ($subscription)" \
      "aks-flux-bootstrap: read resource provider registrations (and register the Kubernetes providers if allowed)." \
      "$provider_actions" "$subscription")
    echo "Subscription $subscription: provider role"
    ensure_assignment "${provider_role[$subscription]}" "/subscriptions/$subscription"
  fi
  echo "Cluster $cluster_id"
  ensure_assignment "${cluster_role[$subscription]}" "$cluster_id"
done

cat <<DONE

Done. Workflow inputs (e.g. as repository variables AZURE_CLIENT_ID / AZURE_TENANT_ID):
  client-id: $client_id
  tenant-id: $tenant_id
DONE
