// Role-based access control as ARM applies it: role definitions are action patterns,
// assignments give a principal a role at a scope, and a scope covers everything under it.

export interface RoleDefinition {
  readonly actions: readonly string[];
  readonly notActions?: readonly string[];
}

export interface RoleAssignment {
  /** Client id or object id of the service principal. */
  readonly principalId: string;
  readonly scope: string;
  readonly role: string | RoleDefinition;
}

/** Built-in roles, control-plane actions only (as listed in Azure's built-in roles reference). */
export const BUILT_IN_ROLES: Readonly<Record<string, RoleDefinition>> = {
  Owner: { actions: ["*"] },
  Contributor: {
    actions: ["*"],
    notActions: [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
      "Microsoft.Blueprint/blueprintAssignments/write",
      "Microsoft.Blueprint/blueprintAssignments/delete",
      "Microsoft.Compute/galleries/share/action",
      "Microsoft.Purview/consents/write",
      "Microsoft.Purview/consents/delete",
    ],
  },
  Reader: { actions: ["*/read"] },
  // "Can create, update, get, list and delete Kubernetes Extensions, and get extension async operations".
  // Note: the real role has no fluxConfigurations actions.
  "Kubernetes Extension Contributor": {
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.KubernetesConfiguration/extensions/write",
      "Microsoft.KubernetesConfiguration/extensions/read",
      "Microsoft.KubernetesConfiguration/extensions/delete",
      "Microsoft.KubernetesConfiguration/extensions/operations/read",
    ],
  },
  // Not built in: a custom role for the flux configuration half, handy for least-privilege tests.
  "Flux Configuration Contributor (custom)": {
    actions: ["Microsoft.KubernetesConfiguration/fluxConfigurations/*", "Microsoft.KubernetesConfiguration/extensions/read"],
  },
};

function patternMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
  return regex.test(action);
}

export function roleAllows(role: RoleDefinition, action: string): boolean {
  return role.actions.some((a) => patternMatches(a, action)) && !(role.notActions ?? []).some((n) => patternMatches(n, action));
}

export function scopeCovers(scope: string, resourceId: string): boolean {
  const s = scope.replace(/\/+$/, "").toLowerCase();
  const r = resourceId.toLowerCase();
  return s === "" || r === s || r.startsWith(`${s}/`);
}

export function isAuthorized(
  assignments: readonly RoleAssignment[],
  principals: readonly string[],
  action: string,
  resourceId: string,
): boolean {
  return assignments.some((a) => {
    if (!principals.includes(a.principalId) || !scopeCovers(a.scope, resourceId)) return false;
    const role = typeof a.role === "string" ? BUILT_IN_ROLES[a.role] : a.role;
    if (!role) throw new Error(`Unknown role '${String(a.role)}'`);
    return roleAllows(role, action);
  });
}
