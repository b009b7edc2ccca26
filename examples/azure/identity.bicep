// Azure side of aks-flux-bootstrap, for the clusters of one resource group:
//   - a user-assigned managed identity with one federated credential per GitHub environment
//     (issuer https://token.actions.githubusercontent.com, subject repo:OWNER/REPO:environment:NAME,
//     audience api://AzureADTokenExchange);
//   - a custom role holding only what the action calls, assigned at each cluster's scope;
//   - at the subscription (provider-registration.bicep): reading provider registrations, and registering
//     them only when registerProviders is true.
// Deploy (needs Owner or User Access Administrator on the resource group and the subscription):
//   az deployment group create -g rg-prod-weu -f identity.bicep \
//     -p githubRepository=contoso/fleet-config environments='["prod"]' managedClusterNames='["aks-prod-weu"]'
// Then set the outputs clientId / tenantId as the workflow inputs client-id / tenant-id.
targetScope = 'resourceGroup'

@description('Name of the user-assigned managed identity.')
param identityName string = 'id-aks-flux-bootstrap'

@description('Region of the identity.')
param location string = resourceGroup().location

@description('Repository whose workflows sign in, OWNER/REPO. With the reusable workflows: the calling repository.')
param githubRepository string

@description('GitHub environments the cluster jobs run in (one federated credential each, at most 20 per identity).')
@minLength(1)
param environments string[]

@description('AKS clusters (Microsoft.ContainerService/managedClusters) in this resource group.')
param managedClusterNames string[] = []

@description('Azure Arc-enabled clusters (Microsoft.Kubernetes/connectedClusters) in this resource group.')
param connectedClusterNames string[] = []

@description('Also allow the identity to register the resource providers (the action input register-providers). Prefer registering them once by hand.')
param registerProviders bool = false

@description('Allow mode: destroy (the delete actions). Without it the identity can create and update, never delete.')
param allowDestroy bool = true

@description('OIDC issuer: GitHub.com, or https://HOST/_services/token for GitHub Enterprise Server.')
param issuer string = 'https://token.actions.githubusercontent.com'

@description('Token audience: api://AzureADTokenExchange (public cloud), api://AzureADTokenExchangeUSGov, api://AzureADTokenExchangeChina.')
param audience string = 'api://AzureADTokenExchange'

var readWriteActions = [
  'Microsoft.ContainerService/managedClusters/read'
  'Microsoft.Kubernetes/connectedClusters/read'
  'Microsoft.KubernetesConfiguration/extensions/read'
  'Microsoft.KubernetesConfiguration/extensions/write'
  'Microsoft.KubernetesConfiguration/extensions/operations/read'
  // The microsoft.flux versions a release train offers the cluster: which Flux an install or auto-upgrade brings.
  'Microsoft.KubernetesConfiguration/extensionTypes/read'
  'Microsoft.KubernetesConfiguration/fluxConfigurations/read'
  'Microsoft.KubernetesConfiguration/fluxConfigurations/write'
  'Microsoft.KubernetesConfiguration/fluxConfigurations/operations/read'
]
var deleteActions = [
  'Microsoft.KubernetesConfiguration/extensions/delete'
  'Microsoft.KubernetesConfiguration/fluxConfigurations/delete'
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
}

// Federated credentials of one identity must be written one at a time.
@batchSize(1)
resource federatedCredentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [
  for environment in environments: {
    parent: identity
    name: take('github-${replace(replace(githubRepository, '/', '-'), '.', '-')}-${replace(environment, ' ', '-')}', 120)
    properties: {
      issuer: issuer
      subject: 'repo:${githubRepository}:environment:${environment}'
      audiences: [audience]
    }
  }
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'aks-flux-bootstrap', string(allowDestroy))
  properties: {
    roleName: 'AKS Flux Bootstrap (${subscription().subscriptionId}/${resourceGroup().name}${allowDestroy ? '' : ', no delete'})'
    description: 'aks-flux-bootstrap: read the cluster, manage the microsoft.flux extension and Flux configurations.'
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: allowDestroy ? concat(readWriteActions, deleteActions) : readWriteActions
        notActions: []
      }
    ]
  }
}

resource managedClusters 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = [
  for name in managedClusterNames: { name: name }
]

resource connectedClusters 'Microsoft.Kubernetes/connectedClusters@2024-01-01' existing = [
  for name in connectedClusterNames: { name: name }
]

resource managedClusterAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in managedClusterNames: {
    name: guid(managedClusters[i].id, identity.id, role.id)
    scope: managedClusters[i]
    properties: {
      roleDefinitionId: role.id
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource connectedClusterAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in connectedClusterNames: {
    name: guid(connectedClusters[i].id, identity.id, role.id)
    scope: connectedClusters[i]
    properties: {
      roleDefinitionId: role.id
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

module providers 'provider-registration.bicep' = {
  name: 'aks-flux-bootstrap-providers-${uniqueString(identity.id)}'
  scope: subscription()
  params: {
    principalId: identity.properties.principalId
    registerProviders: registerProviders
  }
}

output clientId string = identity.properties.clientId
output tenantId string = identity.properties.tenantId
output principalId string = identity.properties.principalId
