variable "job_id" {
  description = "Id of a render job submitted earlier, for example from another workspace."
  type        = string
}

data "partio_render_job" "intro" {
  id = var.job_id
}

output "intro_status" {
  value = data.partio_render_job.intro.status
}

output "intro_video_url" {
  value = data.partio_render_job.intro.url
}
