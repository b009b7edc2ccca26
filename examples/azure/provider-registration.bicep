// Subscription part of identity.bicep: the action reads whether Microsoft.KubernetesConfiguration (and
// Microsoft.ContainerService / Microsoft.Kubernetes) are registered; with registerProviders it may also
// register them. Nothing else at the subscription.
targetScope = 'subscription'

@description('Object (principal) ID of the managed identity.')
param principalId string

@description('Also grant */register/action for the three providers (the action input register-providers: true).')
param registerProviders bool = false

var readActions = ['Microsoft.Resources/subscriptions/providers/read']
var registerActions = [
  'Microsoft.KubernetesConfiguration/register/action'
  'Microsoft.ContainerService/register/action'
  'Microsoft.Kubernetes/register/action'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'aks-flux-bootstrap-providers', string(registerProviders))
  properties: {
    roleName: registerProviders
      ? 'AKS Flux Provider Registration (${subscription().subscriptionId})'
      : 'AKS Flux Provider Check (${subscription().subscriptionId})'
    description: 'aks-flux-bootstrap: read resource provider registrations${registerProviders ? ' and register the Kubernetes providers' : ''}.'
    type: 'CustomRole'
    assignableScopes: [subscription().id]
    permissions: [
      {
        actions: registerProviders ? concat(readActions, registerActions) : readActions
        notActions: []
      }
    ]
  }
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, role.id)
  properties: {
    roleDefinitionId: role.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
