from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin

from obslab_lambda_executor import NAME


class LocalProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = NAME

    def load(self, *args, **kwargs):
        from obslab_lambda_executor.executor import LocalProcessRuntimeExecutor

        return LocalProcessRuntimeExecutor
