# Terraform: the AWS side of the lab. Logic lives in terraform/tf.sh (provider mirror choice, settings,
# adopting the lab's buckets); these targets only name it.
TF_SH := PY=$(abspath $(PY)) ./terraform/tf.sh

.PHONY: tf-local
tf-local: $(OBSLAB) drift-zip ## apply terraform/envs/local to the running lab's LocalStack (S3, IAM, secret, SNS, alarms, dashboard, drift Lambda + schedule); checks a re-plan is empty
	@$(TF_SH) local-apply

.PHONY: tf-local-destroy
tf-local-destroy: $(OBSLAB) ## destroy what tf-local created in LocalStack (the lab's buckets and their data are kept)
	@$(TF_SH) local-destroy

.PHONY: tf-plan-prod
tf-plan-prod: ## plan terraform/envs/prod with prod.tfvars; without AWS credentials, says so and runs the offline checks
	@$(TF_SH) plan-prod

.PHONY: tf-check
tf-check: ## terraform fmt -check, validate (local + prod), terraform test (mocked provider), checkov
	@$(TF_SH) check

.PHONY: test-terraform
test-terraform: $(OBSLAB) ## terraform tests (tests/terraform: static checks, mocked prod plan, LocalStack apply)
	@$(PY) -m pytest tests/terraform $(PYTEST_ARGS)
