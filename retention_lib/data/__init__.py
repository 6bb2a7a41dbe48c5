"""Reading the data: the contract (schema), loading and validation (io), the sample business
and CDNOW.
"""
