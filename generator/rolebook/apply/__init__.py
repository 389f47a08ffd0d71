"""`rolebook apply`: the live systems follow the repository (SCIM provisioning, or the SIS's import file).

runner drives one run: plan (the desired state and the diff with what the server holds; scoped: the
same for only the people a pull request touches) -> guard (the removal guard) -> execute (the writes,
through scim, the SCIM client side) -> evidence (the run recorded in a Git note). rendering shows the
plan and the run; export writes the change set as the SIS's import CSV; revision reads an applied commit.
"""
