from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_export_deployment_alter_export_file"),
    ]

    operations = [
        migrations.RenameField(model_name="contactrequest", old_name="created_at", new_name="created_on"),
        migrations.AlterField(
            model_name="contactrequest",
            name="created_on",
            field=models.DateField(auto_now_add=True, verbose_name="reçue le"),
        ),
    ]
