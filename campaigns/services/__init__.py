"""Write workflows of campaigns, drives and pledges."""
