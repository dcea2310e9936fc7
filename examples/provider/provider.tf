terraform {
  required_providers {
    partio = {
      source = "partio/partio"
    }
  }
}

# The token is read from PARTIO_TOKEN when it is not set here.
provider "partio" {}
