# One map video per place, rendered in parallel from a single for_each.
# Adding a place renders one new video; the others stay as they are.

terraform {
  required_providers {
    partio = {
      source = "partio/partio"
    }
  }
}

variable "places" {
  description = "Places to render, keyed by a short name used in outputs."
  type        = map(string)
  default = {
    weinheim   = "Weinheim"
    mannheim   = "Mannheim"
    heidelberg = "Heidelberg"
  }
}

variable "duration" {
  description = "Length of each video as HH:MM:SS."
  type        = string
  default     = "00:00:15"
}

variable "test_mode" {
  description = "Render watermarked test videos, which are not billed."
  type        = bool
  default     = true
}

resource "partio_render_job" "map" {
  for_each = var.places

  nodes = [{
    id     = "map"
    type   = "Maps"
    inputs = {}
    params = {
      duration = var.duration
      position = each.value
    }
  }]

  output = {
    node     = "map"
    fps      = 25
    width    = 1280
    height   = 720
    duration = var.duration
    name     = "map-${each.key}"
    test     = var.test_mode
  }
}

output "video_urls" {
  description = "Video URL of each place, keyed like var.places."
  value       = { for key, job in partio_render_job.map : key => job.url }
}
