"""Write workflows of the organisation. Views, commands and the admin call these."""
