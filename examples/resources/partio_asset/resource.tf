# Upload a file. Its content type (image/png) comes from the extension, and
# an edited file is uploaded again on the next apply.
resource "partio_asset" "logo" {
  source = "${path.module}/media/logo.png"
}

# Upload inline text, such as an HTML lower third. A file name is required.
resource "partio_asset" "lower_third" {
  filename = "lower-third.html"
  content  = "<div class=\"lower-third\">Ada Example, Head of Video</div>"
}

# Render jobs refer to uploaded files by their file name.
output "logo_filename" {
  value = partio_asset.logo.filename
}
