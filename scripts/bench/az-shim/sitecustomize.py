# Put on PYTHONPATH for the benchmark's `az` calls only (scripts/bench/az.ts). Azure CLI 2.45 (Debian bookworm) has no
# switch for MSAL's instance discovery, which asks login.microsoftonline.com to vouch for any authority it does not
# know: the local cloud's Entra (https://localhost:PORT) cannot pass that. `az config set core.instance_discovery=false`
# came with Azure CLI 2.53 (Azure/azure-cli#27494, "[Core] Support disabling instance discovery"): it passes
# instance_discovery=False to MSAL's ClientApplication. This does the same for 2.45, and nothing else: MSAL 1.21 then
# reads the tenant's openid-configuration from the authority itself, as it does for login.microsoftonline.com.
# msal is patched when it is first imported, so commands that never sign in pay nothing.
import importlib.abc
import importlib.machinery
import sys

try:  # Debian's own sitecustomize (apport), which this file shadows.
    import apport_python_hook
except ImportError:
    pass
else:
    apport_python_hook.install()


class _NoInstanceDiscovery(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "msal.application":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def patched(module):
            exec_module(module)
            init = module.ClientApplication.__init__

            def __init__(self, *args, **kwargs):
                kwargs.setdefault("instance_discovery", False)
                init(self, *args, **kwargs)

            module.ClientApplication.__init__ = __init__

        spec.loader.exec_module = patched
        return spec


sys.meta_path.insert(0, _NoInstanceDiscovery())
