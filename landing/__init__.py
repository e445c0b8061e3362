"""The landing zone's contract: what any daily export, simulated or real, must meet.

``schema`` lists the tables and their exact Arrow schemas, ``codes`` the values of coded columns,
``partitions`` the partition rule (a row's export day, which days have landed), ``contracts`` the
pandera schemas, and ``quarantine`` splits each table's files into accepted and quarantined rows.
The simulator writes to this contract; the platform's checks call it. It imports no other layer.
"""
