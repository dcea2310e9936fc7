# Uploads a logo, renders a title card from it and a map of Weinheim, and
# prints both video URLs. `make demo` runs it against a local emulator; to
# run it against part.io, set PARTIO_TOKEN and run `terraform apply`.

terraform {
  required_providers {
    partio = {
      source = "partio/partio"
    }
  }
}

# The token and endpoint come from PARTIO_TOKEN and PARTIO_ENDPOINT.
provider "partio" {}

resource "partio_asset" "logo" {
  source = "${path.module}/media/logo.png"
}

# A five-second title card showing the uploaded logo. Jobs refer to an
# uploaded file by its file name, so this job waits for the upload.
resource "partio_render_job" "title_card" {
  nodes = [{
    id     = "logo"
    type   = "Image Asset"
    inputs = {}
    params = {
      filename = partio_asset.logo.filename
      duration = "00:00:05"
      scaling  = "fit"
    }
  }]
  output = {
    node     = "logo"
    fps      = 25
    width    = 640
    height   = 360
    duration = "00:00:05"
    name     = "title card"
    test     = true
  }
}

# The Maps job from the part.io API documentation.
resource "partio_render_job" "map" {
  nodes = [{
    id     = "0XuOdadtQ2"
    type   = "Maps"
    inputs = {}
    params = {
      duration = "00:00:20"
      position = "Weinheim"
    }
  }]
  output = {
    node     = "0XuOdadtQ2"
    fps      = 25
    width    = 640
    height   = 360
    duration = "00:00:20"
    test     = true
  }
}

output "title_card_video_url" {
  description = "Address of the rendered title card."
  value       = partio_render_job.title_card.url
}

output "map_video_url" {
  description = "Address of the rendered map of Weinheim."
  value       = partio_render_job.map.url
}
