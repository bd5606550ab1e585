-- One database per service: no service reads another's tables.
CREATE DATABASE masterdata;
CREATE DATABASE production;
CREATE DATABASE warehouse;
CREATE DATABASE quality;
CREATE DATABASE epcis;
