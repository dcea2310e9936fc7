# A 20-second map of Weinheim, rendered in test mode (watermarked, not billed).
resource "partio_render_job" "map" {
  nodes = [{
    id     = "map"
    type   = "Maps"
    inputs = {}
    params = {
      duration = "00:00:20"
      position = "Weinheim"
    }
  }]

  output = {
    node     = "map"
    fps      = 25
    width    = 640
    height   = 360
    duration = "00:00:20"
    name     = "Weinheim"
    test     = true
  }

  timeouts = {
    create = "30m"
  }
}

output "map_video_url" {
  value = partio_render_job.map.url
}
