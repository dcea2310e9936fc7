# Overlays an HTML lower third (a name and a title) on an uploaded clip.
# The lower third is uploaded from inline content, the clip from a file.

terraform {
  required_providers {
    partio = {
      source = "partio/partio"
    }
  }
}

variable "clip_path" {
  description = "Path of the video clip to put the lower third on."
  type        = string
}

variable "speaker" {
  description = "Name and title shown in the lower third."
  type = object({
    name  = string
    title = string
  })
  default = {
    name  = "Ada Example"
    title = "Head of Video"
  }
}

variable "duration" {
  description = "Length of the video as HH:MM:SS."
  type        = string
  default     = "00:00:30"
}

resource "partio_asset" "clip" {
  source = var.clip_path
}

resource "partio_asset" "lower_third" {
  filename = "lower-third-${replace(lower(var.speaker.name), " ", "-")}.html"
  content  = <<-HTML
    <div style="position:absolute;bottom:8%;left:5%;font-family:sans-serif;color:#fff">
      <div style="font-size:42px;font-weight:bold">${var.speaker.name}</div>
      <div style="font-size:28px">${var.speaker.title}</div>
    </div>
  HTML
}

resource "partio_render_job" "composed" {
  nodes = [
    {
      id     = "clip"
      type   = "Video Asset"
      inputs = {}
      params = {
        filename = partio_asset.clip.filename
      }
    },
    {
      id     = "lower_third"
      type   = "HTML"
      inputs = {}
      params = {
        filename = partio_asset.lower_third.filename
        duration = var.duration
      }
    },
    {
      id     = "composed"
      type   = "Compose"
      inputs = { A = "lower_third", B = "clip" }
      params = {
        operator = "A over B"
      }
    },
  ]

  output = {
    node     = "composed"
    fps      = 25
    width    = 1920
    height   = 1080
    duration = var.duration
    name     = "lower third: ${var.speaker.name}"
    test     = true
  }
}

output "video_url" {
  description = "Address of the composed video."
  value       = partio_render_job.composed.url
}
